-- A fixed-window counter, one key per check (so a Redis Cluster routes it to one node):
-- KEYS[1] the counter, ARGV[1] the limit, ARGV[2] the window in ms.
-- Returns {allowed (1/0), ms until the window ends}.
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  -- The first hit of a window (or a key that lost its expiry) starts the window.
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if count > tonumber(ARGV[1]) then
  return {0, ttl}
end
return {1, ttl}
