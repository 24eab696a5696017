-- Puts a job whose message is being moved back from its dead-letter queue back to QUEUED, atomically.
-- KEYS[1] job hash, KEYS[2] the lane's queued index, KEYS[3] the job's event stream
-- ARGV: 1 jobId, 2 submit time (millis, the job's score in its lane index), 3 timestamp (ISO-8601)
-- Returns "FROM>QUEUED", or "ignored:<reason>" for a job that is gone or finished for good.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 'ignored:unknown-job'
end
if state == 'SUCCEEDED' or state == 'CANCELLED' then
  return 'ignored:terminal'
end
redis.call('HSET', KEYS[1], 'state', 'QUEUED', 'attempt', 0, 'step', 0, 'updatedAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'errorType', 'errorDetail', 'finishedAt', 'workerId')
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'transitions', 1)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'kind', 'state', 'state', 'QUEUED', 'step', '0',
  'totalSteps', redis.call('HGET', KEYS[1], 'totalSteps') or '0', 'preview', '', 'errorType', '', 'at', ARGV[3])
return state .. '>QUEUED'
