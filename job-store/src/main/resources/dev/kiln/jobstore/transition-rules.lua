-- The job state machine's rules, written once. JobScripts puts this text in front of every script that changes a
-- job's state (apply-event.lua, cancel.lua, redrive.lua, withdraw.lua), so each runs atomically with the same rules.
--
-- Every such script takes the same keys (JobStore builds them in one place):
-- KEYS[1] job hash, KEYS[2] the lane's queued index, KEYS[3] the job's event stream (for SSE), KEYS[4] the
-- running-jobs index, KEYS[5] the due-webhooks index, KEYS[6] the webhook delivery this change may create,
-- KEYS[7] the tenant's waiting set, KEYS[8] the model stats hash, KEYS[9] the tenant's job index,
-- KEYS[10] the idempotency key, KEYS[11] the outbox of unsent jobs
-- and begins with the same arguments:
-- ARGV[1] job id, ARGV[2] time of the change (ISO-8601), ARGV[3] now (millis), ARGV[4] TTL in seconds once terminal,
-- ARGV[5] webhook delivery id, ARGV[6] submit time (millis, the job's score in its lane index); the script's own
-- arguments follow from ARGV[7].

-- Which state may follow which. WITHDRAWN is no state: the record is deleted (a job that never reached its queue).
local ALLOWED = {
  QUEUED = { RUNNING = true, RETRYING = true, SUCCEEDED = true, FAILED = true, CANCELLED = true, QUEUED = true,
    WITHDRAWN = true },
  RUNNING = { RUNNING = true, RETRYING = true, SUCCEEDED = true, FAILED = true, CANCELLED = true, QUEUED = true },
  RETRYING = { RUNNING = true, RETRYING = true, SUCCEEDED = true, FAILED = true, CANCELLED = true, QUEUED = true },
  -- a failed job may be redriven from its dead-letter queue; succeeded and cancelled ones are final
  FAILED = { QUEUED = true },
  SUCCEEDED = {},
  CANCELLED = {},
}

local TERMINAL = { SUCCEEDED = true, FAILED = true, CANCELLED = true }

-- nil when the move is allowed, else why not ('terminal' or 'not-allowed')
local function refused(from, to)
  local exits = ALLOWED[from]
  if exits and exits[to] then
    return nil
  end
  if TERMINAL[from] then
    return 'terminal'
  end
  return 'not-allowed'
end

local function field(name, default)
  return redis.call('HGET', KEYS[1], name) or default
end

-- appends an entry to the job's event stream
local function record(entryKind, newState, step, total, preview, errorType)
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'kind', entryKind, 'state', newState, 'step', step,
    'totalSteps', total, 'preview', preview, 'errorType', errorType, 'at', ARGV[2])
end

-- Schedules a webhook delivery: always for a terminal state, for 'job.started' and 'job.progress' only when the
-- job's owner asked for them (comma-separated list in the job's webhookEvents field).
local function webhook(event, newState, terminal)
  local url = field('callbackUrl', nil)
  if not url or url == '' then
    return
  end
  if not terminal then
    local wanted = ',' .. string.gsub(field('webhookEvents', ''), '%s', '') .. ','
    if not string.find(wanted, ',' .. event .. ',', 1, true) then
      return
    end
  end
  redis.call('HSET', KEYS[6], 'jobId', ARGV[1], 'event', event, 'state', newState, 'url', url,
    'tenant', field('tenant', ''), 'step', field('step', '0'), 'totalSteps', field('totalSteps', '0'),
    'at', ARGV[2], 'createdAt', ARGV[3], 'attempts', 0, 'status', 'pending')
  redis.call('ZADD', KEYS[5], ARGV[3], ARGV[5])
  if terminal then
    redis.call('HSET', KEYS[1], 'webhookStatus', 'pending')
  end
end

-- Ends a job in a terminal state: out of every index of waiting and running jobs, an entry in its event stream, its
-- webhook scheduled, the record and stream kept for the retention TTL. workerId may be nil; started says whether a
-- missing startedAt is set (a job cancelled while queued never started).
local function finish(from, to, workerId, started, preview, errorType)
  redis.call('HSET', KEYS[1], 'state', to, 'finishedAt', ARGV[2], 'updatedAt', ARGV[2])
  if workerId then
    redis.call('HSET', KEYS[1], 'workerId', workerId)
  end
  if started and not redis.call('HGET', KEYS[1], 'startedAt') then
    redis.call('HSET', KEYS[1], 'startedAt', ARGV[2])
  end
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('SREM', KEYS[7], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
  record('state', to, field('step', '0'), field('totalSteps', '0'), preview, errorType)
  webhook('job.' .. string.lower(to), to, true)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[4]))
  return from .. '>' .. to
end

-- The script proper follows.
