-- Removes a job that never reached its queue (its SQS send failed), atomically (transition-rules.lua comes first):
-- only while it is still QUEUED, so a job anything has touched since stays. The record, its place in the lane and
-- tenant indexes, the tenant's waiting set and the outbox, and its idempotency key go.
-- Returns "withdrawn", or "ignored:<reason>".
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 'ignored:unknown-job'
end
local why = refused(state, 'WITHDRAWN')
if why then
  return 'ignored:' .. why
end
redis.call('ZREM', KEYS[11], ARGV[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[9], ARGV[1])
redis.call('SREM', KEYS[7], ARGV[1])
if redis.call('GET', KEYS[10]) == ARGV[1] then
  redis.call('DEL', KEYS[10])
end
return 'withdrawn'
