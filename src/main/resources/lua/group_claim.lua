-- Gives consumer ARGV[2] of group ARGV[1] up to ARGV[3] entries of stream KEYS[1]: first those another
-- consumer (or this one) has held unacknowledged for ARGV[4] ms or more, then new ones. The group is created
-- at the stream's end on first use, and keeps its position while nobody claims.
-- Returns the entries as XRANGE does: [id, [field, value]] each.
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local count, min_idle = tonumber(ARGV[3]), ARGV[4]
redis.pcall('XGROUP', 'CREATE', stream, group, '$', 'MKSTREAM')
local result = {}
local function take(entries)
  for _, entry in ipairs(entries) do
    -- A reclaimed entry that retention already trimmed comes back without fields: nothing to deliver.
    if entry[2] then
      result[#result + 1] = entry
    end
  end
end
take(redis.call('XAUTOCLAIM', stream, group, consumer, min_idle, '0-0', 'COUNT', count)[2])
local remaining = count - #result
if remaining > 0 then
  local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', remaining, 'STREAMS', stream, '>')
  if fresh then
    take(fresh[1][2])
  end
end
return result
