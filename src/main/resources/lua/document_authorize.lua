-- Locks a document to a list of e-mails, once: the check (HEXISTS, as Bytecrowds does) and the write are one
-- step, so of two requests racing on two instances exactly one wins. Creates the document when missing.
-- KEYS[1] the document's hash; ARGV[1] the e-mails, a JSON array.
-- Returns 1 when set, 0 when the document already had its e-mails.
if redis.call('HEXISTS', KEYS[1], 'authorizedEmails') == 1 then
  return 0
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'text', '', 'language', 'javascript')
end
redis.call('HSET', KEYS[1], 'authorizedEmails', ARGV[1])
return 1
