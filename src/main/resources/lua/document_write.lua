-- Writes a document's text and language (Bytecrowds' hash layout), unless the document is locked to e-mails that
-- do not include the writer's. Creates the document when missing, its language "javascript" unless given.
-- KEYS[1] the document's hash; ARGV[1] the writer's e-mail ("" when anonymous), ARGV[2] "1" if a text is given,
-- ARGV[3] the text, ARGV[4] "1" if a language is given, ARGV[5] the language.
-- Returns {1} when written, {0, authorizedEmails} when the writer may not.
local emails = redis.call('HGET', KEYS[1], 'authorizedEmails')
if emails then
  if ARGV[1] == '' then
    return {0, emails}
  end
  local ok, list = pcall(cjson.decode, emails)
  local allowed = false
  if ok and type(list) == 'table' then
    local writer = string.lower(ARGV[1])
    for _, email in ipairs(list) do
      if type(email) == 'string' and string.lower(email) == writer then
        allowed = true
        break
      end
    end
  end
  if not allowed then
    return {0, emails}
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'text', '', 'language', 'javascript')
end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'text', ARGV[3])
end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'language', ARGV[5])
end
return {1}
