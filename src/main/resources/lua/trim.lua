-- Shared by the scripts below it. Trims a stream from its head, by length and by age, and records the
-- newest removed id as the stream's max-deleted-entry-id (XADD/XTRIM trimming leaves that at 0-0), so a
-- reader can tell whether a cursor still has every entry after it.

local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local function parse_id(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end

local function newer(a, b)
  local a_ms, a_seq = parse_id(a)
  local b_ms, b_seq = parse_id(b)
  return a_ms > b_ms or (a_ms == b_ms and a_seq > b_seq)
end

-- Returns the stream's last generated id, which XSETID needs and the caller may already know.
local function trim(key, max_length, retention_ms, last_id)
  local cut = nil
  local excess = redis.call('XLEN', key) - max_length
  if excess > 0 then
    local head = redis.call('XRANGE', key, '-', '+', 'COUNT', excess)
    cut = head[#head][1]
  end
  -- Old entries are read forward from the head: a backward read from the horizon would walk every young
  -- entry first, which is most of the stream, on every append.
  local horizon = now_ms() - retention_ms
  if horizon > 0 then
    local bound = '(' .. horizon .. '-0'
    local old = redis.call('XRANGE', key, '-', bound, 'COUNT', 100)
    while #old > 0 do
      local last = old[#old][1]
      if cut == nil or newer(last, cut) then
        cut = last
      end
      if #old < 100 then
        break
      end
      old = redis.call('XRANGE', key, '(' .. last, bound, 'COUNT', 100)
    end
  end
  if cut then
    local ms, seq = parse_id(cut)
    redis.call('XTRIM', key, 'MINID', '=', ms .. '-' .. (seq + 1))
    redis.call('XSETID', key, last_id, 'MAXDELETEDID', cut)
  end
end

-- The fields of XINFO STREAM that say what a stream holds and has lost: top id, newest deleted id.
local function stream_bounds(key)
  local info = redis.call('XINFO', 'STREAM', key)
  local top, deleted = '0-0', '0-0'
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      top = info[i + 1]
    elseif info[i] == 'max-deleted-entry-id' then
      deleted = info[i + 1]
    end
  end
  return top, deleted
end
