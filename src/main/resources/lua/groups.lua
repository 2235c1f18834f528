-- Shared by the scripts below it; needs trim.lua's now_ms. A channel's consumer groups live in its stream;
-- the sorted set beside it scores each group with the time of its last claim. Members claim at least every
-- quarter of the acknowledgement timeout, so a group unclaimed for idle_ms has no member anywhere: once it
-- also holds nothing pending it is destroyed. The set goes with its last group.
local function expire_groups(stream, groups, idle_ms)
  local idle = redis.call('ZRANGEBYSCORE', groups, '-inf', '(' .. (now_ms() - idle_ms))
  for _, group in ipairs(idle) do
    local pending = redis.pcall('XPENDING', stream, group)
    if pending.err then
      redis.call('ZREM', groups, group) -- the stream or the group is gone already
    elseif pending[1] == 0 then
      redis.call('XGROUP', 'DESTROY', stream, group)
      redis.call('ZREM', groups, group)
    end
  end
end
