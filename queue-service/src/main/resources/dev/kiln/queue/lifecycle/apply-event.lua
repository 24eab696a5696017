-- Applies one job event to a job record, atomically.
-- KEYS[1] job hash, KEYS[2] the lane's queued index
-- KEYS[3] the job's event stream (for SSE), KEYS[4] the model stats hash
-- KEYS[5] the running-jobs index, KEYS[6] the due-webhooks index, KEYS[7] the webhook delivery this event may create
-- ARGV: 1 type, 2 jobId, 3 step, 4 totalSteps, 5 outputs (JSON), 6 errorType, 7 errorDetail, 8 attempt,
--       9 workerId, 10 timestamp (ISO-8601), 11 TTL in seconds once terminal, 12 render seconds (or empty),
--       13 preview object key (or empty), 14 submit time (millis, the job's score in its lane index),
--       15 webhook delivery id, 16 now (millis)
-- Returns "FROM>TO" for a transition, "FROM>FROM" for an accepted progress update, or "ignored:<reason>".
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 'ignored:unknown-job'
end
if state == 'SUCCEEDED' or state == 'FAILED' or state == 'CANCELLED' then
  return 'ignored:terminal'
end

local kind = ARGV[1]

local function record(entryKind, newState, step, total)
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'kind', entryKind, 'state', newState, 'step', step,
    'totalSteps', total, 'preview', ARGV[13], 'errorType', ARGV[6], 'at', ARGV[10])
end
local attempt = tonumber(ARGV[8])
local current = tonumber(redis.call('HGET', KEYS[1], 'attempt') or '0')

-- Schedules a webhook delivery: always for a terminal state, for 'job.started' and 'job.progress' only when the
-- job's owner asked for them (comma-separated list in the job's webhookEvents field).
local function webhook(event, newState, terminal)
  local url = redis.call('HGET', KEYS[1], 'callbackUrl')
  if not url or url == '' then
    return
  end
  if not terminal then
    local wanted = ',' .. string.gsub(redis.call('HGET', KEYS[1], 'webhookEvents') or '', '%s', '') .. ','
    if not string.find(wanted, ',' .. event .. ',', 1, true) then
      return
    end
  end
  redis.call('HSET', KEYS[7], 'jobId', ARGV[2], 'event', event, 'state', newState, 'url', url,
    'tenant', redis.call('HGET', KEYS[1], 'tenant') or '', 'step', redis.call('HGET', KEYS[1], 'step') or '0',
    'totalSteps', redis.call('HGET', KEYS[1], 'totalSteps') or '0', 'at', ARGV[10], 'createdAt', ARGV[16],
    'attempts', 0, 'status', 'pending')
  redis.call('ZADD', KEYS[6], ARGV[16], ARGV[15])
  if terminal then
    redis.call('HSET', KEYS[1], 'webhookStatus', 'pending')
  end
end

local function finish(to)
  redis.call('HSET', KEYS[1], 'state', to, 'finishedAt', ARGV[10], 'updatedAt', ARGV[10], 'workerId', ARGV[9])
  if attempt > current then
    redis.call('HSET', KEYS[1], 'attempt', attempt)
  end
  if not redis.call('HGET', KEYS[1], 'startedAt') then
    redis.call('HSET', KEYS[1], 'startedAt', ARGV[10])
  end
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('ZREM', KEYS[5], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
  record('state', to, redis.call('HGET', KEYS[1], 'step') or '0', redis.call('HGET', KEYS[1], 'totalSteps') or '0')
  webhook('job.' .. string.lower(to), to, true)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[11]))
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[11]))
  return state .. '>' .. to
end

if kind == 'STARTED' then
  -- a later attempt may take over a RUNNING or RETRYING job; the same attempt only a QUEUED one
  if attempt < current or (attempt == current and state ~= 'QUEUED') then
    return 'ignored:stale-attempt'
  end
  redis.call('HSET', KEYS[1], 'state', 'RUNNING', 'attempt', attempt, 'workerId', ARGV[9], 'step', 0,
    'totalSteps', ARGV[4], 'updatedAt', ARGV[10])
  if not redis.call('HGET', KEYS[1], 'startedAt') then
    redis.call('HSET', KEYS[1], 'startedAt', ARGV[10])
  end
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('ZADD', KEYS[5], ARGV[16], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
  record('state', 'RUNNING', '0', ARGV[4])
  webhook('job.started', 'RUNNING', false)
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
  if ARGV[13] ~= '' then
    redis.call('HSET', KEYS[1], 'preview', ARGV[13])
  end
  record('progress', state, ARGV[3], ARGV[4])
  webhook('job.progress', state, false)
  return state .. '>' .. state
elseif kind == 'RELEASED' then
  -- the attempt handed its message back (or its worker vanished): the job waits in its lane again
  if attempt < current or (attempt == current and state ~= 'RUNNING') then
    return 'ignored:stale-attempt'
  end
  redis.call('HSET', KEYS[1], 'state', 'RETRYING', 'attempt', attempt, 'updatedAt', ARGV[10])
  redis.call('ZADD', KEYS[2], ARGV[14], ARGV[2])
  redis.call('ZREM', KEYS[5], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
  record('state', 'RETRYING', redis.call('HGET', KEYS[1], 'step') or '0',
    redis.call('HGET', KEYS[1], 'totalSteps') or '0')
  return state .. '>RETRYING'
elseif kind == 'SUCCEEDED' then
  -- accepted from any attempt: a late success of an earlier attempt still wrote a complete set of outputs
  redis.call('HSET', KEYS[1], 'outputs', ARGV[5], 'step', ARGV[4], 'totalSteps', ARGV[4])
  if ARGV[12] ~= '' then
    local seconds = tonumber(ARGV[12])
    redis.call('HSET', KEYS[1], 'renderSeconds', ARGV[12])
    -- exponentially weighted mean of render seconds per job, for queue ETAs and cost
    local mean = tonumber(redis.call('HGET', KEYS[4], 'meanRenderSeconds') or ARGV[12])
    redis.call('HSET', KEYS[4], 'meanRenderSeconds', tostring(mean * 0.8 + seconds * 0.2), 'updatedAt', ARGV[10])
    redis.call('HINCRBY', KEYS[4], 'samples', 1)
  end
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
