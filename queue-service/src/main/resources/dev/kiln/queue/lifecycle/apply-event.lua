-- Applies one job event to a job record, atomically.
-- KEYS[1] job hash, KEYS[2] the lane's queued index
-- ARGV: 1 type, 2 jobId, 3 step, 4 totalSteps, 5 outputs (JSON), 6 errorType, 7 errorDetail, 8 attempt,
--       9 workerId, 10 timestamp (ISO-8601), 11 TTL in seconds once terminal
-- Returns "FROM>TO" for a transition, "FROM>FROM" for an accepted progress update, or "ignored:<reason>".
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 'ignored:unknown-job'
end
if state == 'SUCCEEDED' or state == 'FAILED' or state == 'CANCELLED' then
  return 'ignored:terminal'
end

local kind = ARGV[1]
local attempt = tonumber(ARGV[8])
local current = tonumber(redis.call('HGET', KEYS[1], 'attempt') or '0')

local function finish(to)
  redis.call('HSET', KEYS[1], 'state', to, 'finishedAt', ARGV[10], 'updatedAt', ARGV[10], 'workerId', ARGV[9])
  if attempt > current then
    redis.call('HSET', KEYS[1], 'attempt', attempt)
  end
  if not redis.call('HGET', KEYS[1], 'startedAt') then
    redis.call('HSET', KEYS[1], 'startedAt', ARGV[10])
  end
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[11]))
  return state .. '>' .. to
end

if kind == 'STARTED' then
  if attempt < current or (attempt == current and state == 'RUNNING') then
    return 'ignored:stale-attempt'
  end
  redis.call('HSET', KEYS[1], 'state', 'RUNNING', 'attempt', attempt, 'workerId', ARGV[9], 'step', 0,
    'totalSteps', ARGV[4], 'updatedAt', ARGV[10])
  if not redis.call('HGET', KEYS[1], 'startedAt') then
    redis.call('HSET', KEYS[1], 'startedAt', ARGV[10])
  end
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
  return state .. '>RUNNING'
elseif kind == 'PROGRESS' then
  if state ~= 'RUNNING' or attempt ~= current then
    return 'ignored:not-running'
  end
  local step = tonumber(ARGV[3])
  if step <= tonumber(redis.call('HGET', KEYS[1], 'step') or '0') then
    return 'ignored:old-step'
  end
  redis.call('HSET', KEYS[1], 'step', step, 'updatedAt', ARGV[10])
  return state .. '>' .. state
elseif kind == 'SUCCEEDED' then
  -- accepted from any attempt: a late success of an earlier attempt still wrote a complete set of outputs
  redis.call('HSET', KEYS[1], 'outputs', ARGV[5], 'step', ARGV[4], 'totalSteps', ARGV[4])
  return finish('SUCCEEDED')
elseif kind == 'FAILED' then
  if attempt < current then
    return 'ignored:stale-attempt'
  end
  redis.call('HSET', KEYS[1], 'errorType', ARGV[6], 'errorDetail', ARGV[7])
  return finish('FAILED')
elseif kind == 'CANCELLED' then
  return finish('CANCELLED')
end
return 'ignored:unknown-type'
