-- Stores a peer region's events in this region's copy of a channel, in one atomic step with the dedupe: an event
-- at or before the channel's position for that peer is skipped (it is here already), so a replicator that
-- retries, restarts or races a stale one never stores a copy twice, and the origin's order is kept. A delivery id
-- this region already stored (a webhook retry that landed here too) is not stored again either. A replicator
-- with an older lease epoch than the last writer of this position, or one whose lease is not the current one, is
-- refused: two replicators never both write.
-- KEYS[1] stream, KEYS[2] position for the peer, KEYS[3] the channel's groups, KEYS[4] origin vector,
-- KEYS[5] the lease (read only when ARGV[3] is not ''), KEYS[6...] one delivery key per event
-- ARGV[1] peer region, ARGV[2] lease epoch, ARGV[3] lease token or '' (a Redis Cluster: the lease is on another
-- node), ARGV[4] max length, ARGV[5] retention ms, ARGV[6] pub/sub channel, ARGV[7] PUBLISH or SPUBLISH,
-- ARGV[8] group idle ms, ARGV[9] delivery window ms, then per event: origin id, delivery id or '', data.
-- Returns {stored (-1 fenced by epoch, -2 lease lost), position}.
local state = redis.call('GET', KEYS[2])
local epoch, position = 0, '0-0'
if state then
  local space = string.find(state, ' ', 1, true)
  epoch, position = tonumber(string.sub(state, 1, space - 1)), string.sub(state, space + 1)
end
local mine = tonumber(ARGV[2])
if epoch > mine then
  return {-1, position}
end
if ARGV[3] ~= '' and redis.call('GET', KEYS[5]) ~= ARGV[3] then
  return {-2, position}
end
local stored = 0
local last_id = nil
for i = 10, #ARGV, 3 do
  local origin_id, delivery, data = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if newer(origin_id, position) then
    local delivery_key = KEYS[6 + (i - 10) / 3]
    if delivery ~= '' and redis.call('EXISTS', delivery_key) == 1 then
      -- Stored here already as this region's own: the vector says it is seen, so no reader gets it twice.
      redis.call('HSET', KEYS[4], ARGV[1], origin_id)
    else
      last_id = add_with_origin(KEYS[1], KEYS[4], data, ARGV[1], origin_id, delivery, ARGV[6], ARGV[7])
      if delivery ~= '' then
        redis.call('SET', delivery_key, last_id, 'PX', ARGV[9])
      end
      stored = stored + 1
    end
    position = origin_id
  end
end
redis.call('SET', KEYS[2], mine .. ' ' .. position)
if last_id then
  trim(KEYS[1], tonumber(ARGV[4]), tonumber(ARGV[5]), last_id)
  expire_groups(KEYS[1], KEYS[3], tonumber(ARGV[8]))
end
return {stored, position}
