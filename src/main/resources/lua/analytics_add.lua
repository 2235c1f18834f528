-- Adds one flush's tally of a day, once (analytics.AnalyticsStore#add).
-- KEYS: 1 flush marker, 2 day hash (hits, bots), 3 day visitors (HyperLogLog), 4 day pages, 5 day countries,
--       6 day continents (sorted sets), 7 all-time pages, 8 all-time countries, 9 all-time continents
-- ARGV: 1 day keys' expiry (unix seconds), 2 all-time keys' time to live (seconds), 3 distinct pages a day,
--       4 distinct pages all time, 5 the overflow page's name, 6 hits, 7 bots,
--       then a count and that many (name, hits) pairs for pages, countries and continents in turn,
--       then the visitors' hashes
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', 86400) then
  return 0
end
local expireAt, allTtl = ARGV[1], ARGV[2]
local maxDay, maxAll, other = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
redis.call('HINCRBY', KEYS[2], 'hits', ARGV[6])
redis.call('HINCRBY', KEYS[2], 'bots', ARGV[7])

-- Distinct pages a sorted set holds, the overflow entry aside.
local function distinct(key)
  local size = redis.call('ZCARD', key)
  if redis.call('ZSCORE', key, other) then
    size = size - 1
  end
  return size
end

local i = 8
local dayPages, allPages = distinct(KEYS[4]), distinct(KEYS[7])
for _ = 1, tonumber(ARGV[i]) do
  local page, hits = ARGV[i + 1], ARGV[i + 2]
  i = i + 2
  if not redis.call('ZSCORE', KEYS[4], page) then
    if dayPages >= maxDay then
      page = other
    elseif page ~= other then
      dayPages = dayPages + 1
    end
  end
  redis.call('ZINCRBY', KEYS[4], hits, page)
  if not redis.call('ZSCORE', KEYS[7], page) then
    if allPages >= maxAll then
      page = other
    elseif page ~= other then
      allPages = allPages + 1
    end
  end
  redis.call('ZINCRBY', KEYS[7], hits, page)
end
i = i + 1
for dimension = 5, 6 do
  for _ = 1, tonumber(ARGV[i]) do
    redis.call('ZINCRBY', KEYS[dimension], ARGV[i + 2], ARGV[i + 1])
    redis.call('ZINCRBY', KEYS[dimension + 3], ARGV[i + 2], ARGV[i + 1])
    i = i + 2
  end
  i = i + 1
end
-- PFADD takes the hashes in slices: Lua's unpack has a stack limit.
local slice = 1000
for first = i, #ARGV, slice do
  redis.call('PFADD', KEYS[3], unpack(ARGV, first, math.min(first + slice - 1, #ARGV)))
end
for key = 2, 6 do
  redis.call('EXPIREAT', KEYS[key], expireAt)
end
for key = 7, 9 do
  redis.call('EXPIRE', KEYS[key], allTtl)
end
return 1
