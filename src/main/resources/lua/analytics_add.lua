-- Adds one flush's tally of a day, once (analytics.AnalyticsStore#add).
-- KEYS: 1 flush marker, 2 day hash (hits, bots), 3 day visitors (HyperLogLog), 4 day pages, 5 day countries,
--       6 day continents (sorted sets)
-- ARGV: 1 the day keys' expiry (unix seconds), 2 distinct pages a day, 3 the overflow page's name, 4 hits, 5 bots,
--       then a count and that many (name, hits) pairs for pages, countries and continents in turn,
--       then the visitors' hashes
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', 86400) then
  return 0
end
local maxPages, other = tonumber(ARGV[2]), ARGV[3]
redis.call('HINCRBY', KEYS[2], 'hits', ARGV[4])
redis.call('HINCRBY', KEYS[2], 'bots', ARGV[5])

local i = 6
local pages = tonumber(ARGV[i])
local known = redis.call('ZCARD', KEYS[4])
-- Each page is looked for only when the cap may be reached: usually a flush is one ZINCRBY per page.
local capped = known + pages > maxPages
if capped and redis.call('ZSCORE', KEYS[4], other) then
  known = known - 1
end
for _ = 1, pages do
  local page, hits = ARGV[i + 1], ARGV[i + 2]
  i = i + 2
  if capped and page ~= other and not redis.call('ZSCORE', KEYS[4], page) then
    if known >= maxPages then
      page = other
    else
      known = known + 1
    end
  end
  redis.call('ZINCRBY', KEYS[4], hits, page)
end
i = i + 1
for key = 5, 6 do
  for _ = 1, tonumber(ARGV[i]) do
    redis.call('ZINCRBY', KEYS[key], ARGV[i + 2], ARGV[i + 1])
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
  redis.call('EXPIREAT', KEYS[key], ARGV[1])
end
return 1
