-- Replaces a channel's entries up to an id with one entry that says all they said (a document's snapshot),
-- atomically: XADD it (and publish it, as append.lua does, so live order stays stream order), then drop the
-- entries it covers and record the newest of them as the stream's max-deleted-entry-id, so a reader that was
-- between them is told it cannot resume there and reads from the start. Refused when the first entry is already
-- past the id: a newer compaction won the race, and this one would only add a stale copy.
-- KEYS[1] stream; ARGV[1] data, ARGV[2] the last id covered, ARGV[3] pub/sub channel, ARGV[4] PUBLISH or SPUBLISH
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #first == 0 or newer(first[1][1], ARGV[2]) then
  return 0
end
local id = redis.call('XADD', KEYS[1], '*', 'd', ARGV[1])
local ms, seq = parse_id(ARGV[2])
redis.call('XTRIM', KEYS[1], 'MINID', '=', ms .. '-' .. (seq + 1))
local _, deleted = stream_bounds(KEYS[1])
if newer(ARGV[2], deleted) then
  redis.call('XSETID', KEYS[1], id, 'MAXDELETEDID', ARGV[2])
end
redis.call(ARGV[4], ARGV[3], id .. ' ' .. ARGV[1])
return 1
