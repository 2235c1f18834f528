-- Appends one event to a channel's stream, atomically: drop a repeated delivery, XADD, trim by length
-- and age, remember the delivery id, and publish "<id> <data>" so live order equals stream order and
-- nothing is published that is not stored. Every key and the channel share one hash tag, so one slot.
-- Consumer groups idle past their time go as old entries do (groups.lua). With regions the entry is stored
-- with its origin (vector.lua) and the region's replicators are told the channel changed.
-- KEYS[1] stream, KEYS[2] delivery key (ignored when ARGV[5] is empty), KEYS[3] the channel's groups,
-- KEYS[4] the channel's origin vector (ignored without regions)
-- ARGV[1] data, ARGV[2] max length, ARGV[3] retention ms, ARGV[4] pub/sub channel,
-- ARGV[5] delivery id or '', ARGV[6] delivery window ms, ARGV[7] PUBLISH, or SPUBLISH for sharded pub/sub,
-- ARGV[8] group idle ms, ARGV[9] this region or '' without regions, ARGV[10] the replicators' pub/sub channel,
-- ARGV[11] the channel's key, published there
if ARGV[5] ~= '' then
  local seen = redis.call('GET', KEYS[2])
  if seen then
    -- Rewritten as it is: a write moves this connection's replication offset past the first delivery's event,
    -- so a WAIT after a retry confirms that event reached the replicas.
    redis.call('SET', KEYS[2], seen, 'KEEPTTL')
    return {seen, 1}
  end
end
local id
if ARGV[9] == '' then
  id = redis.call('XADD', KEYS[1], '*', 'd', ARGV[1])
  redis.call(ARGV[7], ARGV[4], id .. ' ' .. ARGV[1])
else
  id = add_with_origin(KEYS[1], KEYS[4], ARGV[1], ARGV[9], '', ARGV[5], ARGV[4], ARGV[7])
  redis.call('PUBLISH', ARGV[10], ARGV[11])
end
trim(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]), id)
expire_groups(KEYS[1], KEYS[3], tonumber(ARGV[8]))
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[2], id, 'PX', ARGV[6])
end
return {id, 0}
