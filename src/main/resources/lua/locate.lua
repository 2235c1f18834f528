-- Where a reader that comes from another region resumes in this one (docs/design.md, Regions): given the origin
-- vector it had seen up to, the id after which this stream holds every event it has not seen, or nothing when
-- this region cannot know that. The vectors after each entry ('p' with the entry's own origin) only grow along
-- the stream, so the entries the reader has seen all of form a prefix: found by bisecting on time, then a short
-- scan. Entries after the prefix that the reader has seen (an origin it was further in) are its to skip.
-- KEYS[1] stream, KEYS[2] origin vector; ARGV[1] the reader's vector, ARGV[2] retention ms, ARGV[3] max length
-- Returns {1, id to read after} or {0, ''}: this region lacks events the reader saw, or has lost some it did not.
local seen = vector_parse(ARGV[1])
if not dominates(vector_parse(vector_text(KEYS[2])), seen) then
  return {0, ''}
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {1, '0-0'}
end
trim(KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[2]), stream_bounds(KEYS[1]))

local function field(entry, name)
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == name then
      return fields[i + 1]
    end
  end
  return nil
end

-- Whether the reader has seen every event up to and including this entry.
local function in_prefix(entry)
  local origin = field(entry, 'o')
  if origin == nil then
    return true -- stored before regions: older than any entry with an origin
  end
  local after = vector_parse(field(entry, 'p'))
  after[origin] = field(entry, 'i') or entry[1]
  return dominates(seen, after)
end

local function first_from(ms)
  return redis.call('XRANGE', KEYS[1], ms .. '-0', '+', 'COUNT', 1)[1]
end

local top, deleted = stream_bounds(KEYS[1])
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if first == nil or in_prefix(last) then
  -- Nothing retained the reader lacks; what retention removed it had seen only if the vector says so.
  return dominates(seen, vector_parse(vector_text(KEYS[2]))) and {1, top} or {0, ''}
end
if not in_prefix(first) then
  -- The boundary is the first entry retained: those removed before it are seen if the vector before it is.
  local before = vector_parse(field(first, 'p'))
  if not dominates(seen, before) then
    return {0, ''}
  end
  return {1, newer(deleted, '0-0') and deleted or '0-0'}
end
-- first is in the prefix, last is not: bisect on milliseconds for the last one whose first entry is in it.
local low = parse_id(first[1])
local high = parse_id(last[1])
while high - low > 1 do
  local middle = math.floor((low + high) / 2)
  local entry = first_from(middle)
  if entry ~= nil and in_prefix(entry) then
    low = middle
  else
    high = middle
  end
end
local previous = nil
local page = redis.call('XRANGE', KEYS[1], low .. '-0', '+', 'COUNT', 100)
while #page > 0 do
  for _, entry in ipairs(page) do
    if not in_prefix(entry) then
      return {1, previous}
    end
    previous = entry[1]
  end
  page = redis.call('XRANGE', KEYS[1], '(' .. previous, '+', 'COUNT', 100)
end
return {1, top}
