-- The replicator's lease (one replicator per region): renewed by its holder, or taken when free, with a new
-- fencing epoch. The token "<epoch> <holder>" is what replicate.lua checks before each write.
-- KEYS[1] lease, KEYS[2] epoch counter; ARGV[1] holder, ARGV[2] lease ms (0: give it up), ARGV[3] the token held or ''
-- Returns the token held now, or nil when another holds the lease (or it was given up).
local current = redis.call('GET', KEYS[1])
if ARGV[2] == '0' then
  if current == ARGV[3] then
    redis.call('DEL', KEYS[1])
  end
  return false
end
if current then
  if current == ARGV[3] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return current
  end
  return false
end
local token = redis.call('INCR', KEYS[2]) .. ' ' .. ARGV[1]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
