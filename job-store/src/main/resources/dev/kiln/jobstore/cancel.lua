-- The owner cancels a job, atomically (transition-rules.lua comes first). A waiting job (QUEUED or RETRYING) ends
-- CANCELLED at once, like any other terminal state: its webhook is scheduled. A RUNNING one gets cancelRequested,
-- which its worker reads between steps (the worker's CANCELLED event then ends it).
-- ARGV from 7: 7 the caller's tenant
-- Returns "FROM>CANCELLED", "requested", "ignored:terminal" or "ignored:unknown-job" (also for another tenant's job).
local state = redis.call('HGET', KEYS[1], 'state')
if not state or field('tenant', nil) ~= ARGV[7] then
  return 'ignored:unknown-job'
end
if state == 'RUNNING' then
  redis.call('HSET', KEYS[1], 'cancelRequested', 'true', 'updatedAt', ARGV[2])
  return 'requested'
end
local why = refused(state, 'CANCELLED')
if why then
  return 'ignored:' .. why
end
return finish(state, 'CANCELLED', nil, false, '', '')
