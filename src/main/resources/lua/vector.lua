-- Shared by the region scripts below it; needs trim.lua's newer. A channel's origin vector (docs/design.md,
-- Regions): a hash beside its stream, origin region -> id of the last event of that origin stored so far. Every
-- entry stored with regions keeps the vector as it was before it ('p'), its origin ('o') and, when that is another
-- region, the id it got there ('i'); the live message carries the same, so a reader can tell each entry's cursor.

local function vector_text(key)
  local flat = redis.call('HGETALL', key)
  local regions = {}
  local ids = {}
  for i = 1, #flat, 2 do
    regions[#regions + 1] = flat[i]
    ids[flat[i]] = flat[i + 1]
  end
  table.sort(regions)
  local parts = {}
  for _, region in ipairs(regions) do
    parts[#parts + 1] = region .. '=' .. ids[region]
  end
  return table.concat(parts, ';')
end

-- 'eu=1-0;us=2-0' as a table region -> id.
local function vector_parse(text)
  local vector = {}
  if text == nil or text == '' then
    return vector
  end
  for part in string.gmatch(text, '[^;]+') do
    local equals = string.find(part, '=', 1, true)
    vector[string.sub(part, 1, equals - 1)] = string.sub(part, equals + 1)
  end
  return vector
end

-- Whether every component of b is at or before a's.
local function dominates(a, b)
  for region, id in pairs(b) do
    if a[region] == nil or newer(id, a[region]) then
      return false
    end
  end
  return true
end

-- Stores an entry with its provenance, advances the vector and publishes "<id> @<origin>|<origin id>|<before> <data>"
-- (origin id empty when the entry is the origin's own). Returns the new id.
local function add_with_origin(stream, vector_key, data, origin, origin_id, delivery, live, publish)
  local before = vector_text(vector_key)
  local fields = {'d', data, 'o', origin, 'p', before}
  if origin_id ~= '' then
    fields[#fields + 1] = 'i'
    fields[#fields + 1] = origin_id
  end
  if delivery ~= '' then
    fields[#fields + 1] = 'k'
    fields[#fields + 1] = delivery
  end
  local id = redis.call('XADD', stream, '*', unpack(fields))
  redis.call('HSET', vector_key, origin, origin_id ~= '' and origin_id or id)
  redis.call(publish, live, id .. ' @' .. origin .. '|' .. origin_id .. '|' .. before .. ' ' .. data)
  return id
end
