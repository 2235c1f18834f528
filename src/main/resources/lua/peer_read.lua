-- A peer region's replicator reads a channel here: entries after an id, and the newest id this stream ever
-- dropped, so it can tell it missed some (it must not trim: this region's retention is its own).
-- KEYS[1] stream; ARGV[1] exclusive start id, ARGV[2] count. Returns {max deleted id, entries}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'0-0', {}}
end
local _, deleted = stream_bounds(KEYS[1])
return {deleted, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}
