-- Puts a job whose message is being moved back from its dead-letter queue back to QUEUED with its attempts reset,
-- atomically (transition-rules.lua comes first): back in its lane index and its tenant's waiting set, kept until it
-- ends again. Finished-for-good jobs (SUCCEEDED, CANCELLED) and unknown ones are left alone.
-- Returns "FROM>QUEUED", or "ignored:<reason>".
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 'ignored:unknown-job'
end
local why = refused(state, 'QUEUED')
if why then
  return 'ignored:' .. why
end
redis.call('HSET', KEYS[1], 'state', 'QUEUED', 'attempt', 0, 'step', 0, 'updatedAt', ARGV[2])
redis.call('HDEL', KEYS[1], 'errorType', 'errorDetail', 'finishedAt', 'workerId')
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[3])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[7], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'transitions', 1)
record('state', 'QUEUED', '0', field('totalSteps', '0'), '', '')
return state .. '>QUEUED'
