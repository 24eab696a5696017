-- Applies one worker event to a job record, atomically (transition-rules.lua comes first).
-- ARGV from 7: 7 type, 8 step, 9 totalSteps, 10 outputs (JSON), 11 errorType, 12 errorDetail, 13 attempt,
--              14 workerId, 15 render seconds (or empty), 16 preview object key (or empty)
-- Returns "FROM>TO" for a transition, "FROM>FROM" for an accepted progress update, or "ignored:<reason>".
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 'ignored:unknown-job'
end

local kind = ARGV[7]
local TARGET = { STARTED = 'RUNNING', PROGRESS = 'RUNNING', RELEASED = 'RETRYING', SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED', CANCELLED = 'CANCELLED' }
local target = TARGET[kind]
if not target then
  return 'ignored:unknown-type'
end
local why = refused(state, target)
if why then
  return 'ignored:' .. why
end

local attempt = tonumber(ARGV[13])
local current = tonumber(field('attempt', '0'))
local preview = ARGV[16]
local errorType = ARGV[11]

local function finishWith(to)
  if attempt > current then
    redis.call('HSET', KEYS[1], 'attempt', attempt)
  end
  return finish(state, to, ARGV[14], true, preview, errorType)
end

if kind == 'STARTED' then
  -- a later attempt may take over a RUNNING or RETRYING job; the same attempt only a QUEUED one
  if attempt < current or (attempt == current and state ~= 'QUEUED') then
    return 'ignored:stale-attempt'
  end
  redis.call('HSET', KEYS[1], 'state', 'RUNNING', 'attempt', attempt, 'workerId', ARGV[14], 'step', 0,
    'totalSteps', ARGV[9], 'updatedAt', ARGV[2])
  if not redis.call('HGET', KEYS[1], 'startedAt') then
    redis.call('HSET', KEYS[1], 'startedAt', ARGV[2])
  end
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
  record('state', 'RUNNING', '0', ARGV[9], preview, errorType)
  webhook('job.started', 'RUNNING', false)
  return state .. '>RUNNING'
elseif kind == 'PROGRESS' then
  if state ~= 'RUNNING' or attempt ~= current then
    return 'ignored:not-running'
  end
  local step = tonumber(ARGV[8])
  if step <= tonumber(field('step', '0')) then
    return 'ignored:old-step'
  end
  redis.call('HSET', KEYS[1], 'step', step, 'updatedAt', ARGV[2])
  if preview ~= '' then
    redis.call('HSET', KEYS[1], 'preview', preview)
  end
  record('progress', state, ARGV[8], ARGV[9], preview, errorType)
  webhook('job.progress', state, false)
  return state .. '>' .. state
elseif kind == 'RELEASED' then
  -- the attempt handed its message back (or its worker vanished): the job waits in its lane again
  if attempt < current or (attempt == current and state ~= 'RUNNING') then
    return 'ignored:stale-attempt'
  end
  redis.call('HSET', KEYS[1], 'state', 'RETRYING', 'attempt', attempt, 'updatedAt', ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
  record('state', 'RETRYING', field('step', '0'), field('totalSteps', '0'), preview, errorType)
  return state .. '>RETRYING'
elseif kind == 'SUCCEEDED' then
  -- accepted from any attempt: a late success of an earlier attempt still wrote a complete set of outputs
  redis.call('HSET', KEYS[1], 'outputs', ARGV[10], 'step', ARGV[9], 'totalSteps', ARGV[9])
  if ARGV[15] ~= '' then
    local seconds = tonumber(ARGV[15])
    redis.call('HSET', KEYS[1], 'renderSeconds', ARGV[15])
    -- exponentially weighted mean of render seconds per job, for queue ETAs and cost
    local mean = tonumber(redis.call('HGET', KEYS[8], 'meanRenderSeconds') or ARGV[15])
    redis.call('HSET', KEYS[8], 'meanRenderSeconds', tostring(mean * 0.8 + seconds * 0.2), 'updatedAt', ARGV[2])
    redis.call('HINCRBY', KEYS[8], 'samples', 1)
  end
  return finishWith('SUCCEEDED')
elseif kind == 'FAILED' then
  if attempt < current then
    return 'ignored:stale-attempt'
  end
  redis.call('HSET', KEYS[1], 'errorType', ARGV[11], 'errorDetail', ARGV[12])
  return finishWith('FAILED')
end
-- CANCELLED: the worker stopped the job its owner cancelled
return finishWith('CANCELLED')
