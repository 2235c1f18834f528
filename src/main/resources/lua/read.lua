-- Reads a channel's stream after an id, with what the caller needs to tell whether that id is still
-- covered by retention: {top id, newest deleted id, entries}. Trims by age first, so an idle channel
-- never serves events older than the retention.
-- KEYS[1] stream; ARGV[1] exclusive start id or '' (top only), ARGV[2] count, ARGV[3] retention ms,
-- ARGV[4] max length
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'0-0', '0-0', {}}
end
trim(KEYS[1], tonumber(ARGV[4]), tonumber(ARGV[3]), stream_bounds(KEYS[1]))
local top, deleted = stream_bounds(KEYS[1])
local entries = {}
if ARGV[1] ~= '' and tonumber(ARGV[2]) > 0 then
  entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
end
return {top, deleted, entries}
