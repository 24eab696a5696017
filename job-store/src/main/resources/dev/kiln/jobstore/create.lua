-- Creates a job record and indexes it in one step. In order: an idempotency key seen before answers with its job;
-- an existing id is refused; the tenant's waiting jobs are counted against the quota; then the record, the lane and
-- tenant indexes, the tenant's waiting set and the idempotency key are written, and the job's 0-based rank in its
-- lane is returned. The waiting set holds every job of the tenant that may still be waiting (a superset: jobs leave
-- it when they end, are withdrawn or are pruned here), so while it has fewer members than the quota the tenant is
-- under it and nothing else is read (O(1)). Only at the quota are its members' states read, and those no longer
-- QUEUED or RETRYING pruned. The job also goes into the outbox (scored by its submit time) until SQS confirms its
-- message: if this answer never reaches the gateway, or the gateway dies before the send, the queue service's relay
-- sends the message from the record.
-- A created job is announced on its lane's arrivals channel (PUBLISH, fire and forget): the autoscale advisor
-- decides at once on it instead of at its next poll; a missed announcement only costs that poll.
-- KEYS: 1 job, 2 lane queued, 3 tenant jobs, 4 tenant waiting set, 5 idempotency key, 6 outbox, 7 the lane's
-- arrivals channel (a channel, not a key; passed here so that the script names no key layout of its own)
-- ARGV: 1 score, 2 job id, 3 max waiting jobs, 4 idempotency TTL seconds (0 = no key), 5 job key prefix, 6.. fields
-- Returns {'created', id, rank}, {'duplicate', earlier id}, {'exists', id} or {'quota', waiting}.
if ARGV[4] ~= '0' then
  local existing = redis.call('GET', KEYS[5])
  if existing then return {'duplicate', existing} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists', ARGV[2]} end
local max = tonumber(ARGV[3])
if redis.call('SCARD', KEYS[4]) >= max then
  local waiting = 0
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    local state = redis.call('HGET', ARGV[5] .. id, 'state')
    if state == 'QUEUED' or state == 'RETRYING' then
      waiting = waiting + 1
    else
      redis.call('SREM', KEYS[4], id)
    end
  end
  if waiting >= max then return {'quota', tostring(waiting)} end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('ZADD', KEYS[6], ARGV[1], ARGV[2])
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[5], ARGV[2], 'EX', tonumber(ARGV[4]))
end
redis.call('PUBLISH', KEYS[7], ARGV[2])
return {'created', ARGV[2], tostring(redis.call('ZRANK', KEYS[2], ARGV[2]))}
