-- Gives consumer ARGV[2] of group ARGV[1] up to ARGV[3] entries of stream KEYS[1]: first those another
-- consumer (or this one) has held unacknowledged for ARGV[4] ms or more, then new ones. KEYS[2] scores the
-- channel's groups by their last claim (see groups.lua), which removes idle ones first (ARGV[5] ms).
-- A group the stream lacks is created after ARGV[7] ('$': the stream's end), unless the channel already has
-- ARGV[6] groups. Nothing is created for a stream that does not exist: its first entry is after any position.
-- A count of 0 only joins: it also removes this group's consumers that hold nothing and were idle as long.
-- Returns {refused (0 or 1), top id for a join ('0-0' otherwise), entries as XRANGE gives them}.
local stream, groups, group, consumer = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local count, min_idle, idle_ms, max_groups, from = tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
if redis.call('EXISTS', stream) == 0 then
  return {0, '0-0', {}}
end
expire_groups(stream, groups, idle_ms)
if not redis.call('ZSCORE', groups, group) then
  if redis.call('ZCARD', groups) >= max_groups then
    return {1, '0-0', {}}
  end
  -- BUSYGROUP: it exists, created by a release that did not track groups.
  redis.pcall('XGROUP', 'CREATE', stream, group, from)
end
redis.call('ZADD', groups, now_ms(), group)
if count == 0 then
  for _, info in ipairs(redis.call('XINFO', 'CONSUMERS', stream, group)) do
    local name, pending, idle
    for i = 1, #info, 2 do
      if info[i] == 'name' then name = info[i + 1]
      elseif info[i] == 'pending' then pending = info[i + 1]
      elseif info[i] == 'idle' then idle = info[i + 1] end
    end
    if pending == 0 and idle >= idle_ms then
      redis.call('XGROUP', 'DELCONSUMER', stream, group, name)
    end
  end
  return {0, (stream_bounds(stream)), {}}
end
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
return {0, '0-0', result}
