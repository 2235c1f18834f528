-- Reads a channel's stream after an id, with what the caller needs to tell whether that id is still
-- covered by retention: {top id, newest deleted id, entries}. Trims by age first, so an idle channel
-- never serves events older than the retention.
-- Entries after the first stop once their data passes ARGV[5] bytes, so a page of large events never travels
-- (nor is held by the caller) whole; the fourth element says whether they were cut so.
-- The fifth element is the channel's origin vector (vector.lua), '' without regions: the cursor of the top.
-- KEYS[1] stream, KEYS[2] origin vector; ARGV[1] exclusive start id or '' (top only), ARGV[2] count, ARGV[3] retention ms,
-- ARGV[4] max length, ARGV[5] max bytes
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'0-0', '0-0', {}, 0, vector_text(KEYS[2])}
end
trim(KEYS[1], tonumber(ARGV[4]), tonumber(ARGV[3]), stream_bounds(KEYS[1]))
local top, deleted = stream_bounds(KEYS[1])
local entries = {}
local cut = 0
if ARGV[1] ~= '' and tonumber(ARGV[2]) > 0 then
  entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
  local max_bytes = tonumber(ARGV[5])
  local bytes = 0
  for i, entry in ipairs(entries) do
    -- Each entry is {id, {'d', data}}.
    bytes = bytes + #entry[2][2]
    if bytes > max_bytes and i > 1 then
      for j = #entries, i, -1 do
        entries[j] = nil
      end
      cut = 1
      break
    end
  end
end
return {top, deleted, entries, cut, vector_text(KEYS[2])}
