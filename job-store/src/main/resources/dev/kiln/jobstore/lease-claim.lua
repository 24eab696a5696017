-- Checks a job before a worker renders it and takes its lease when it is free.
-- KEYS: 1 the record, 2 the lease. ARGV: 1 worker id, 2 lease TTL in ms, 3 terminal states (comma-separated),
-- 4 the state field, 5 the cancel field.
-- Returns {'finished'}, {'cancel'}, {'leased'} (taken now) or {'held', holder}.
local record = redis.call('HMGET', KEYS[1], ARGV[4], ARGV[5])
if record[1] and string.find(',' .. ARGV[3] .. ',', ',' .. record[1] .. ',', 1, true) then
  return {'finished'}
end
if record[2] == 'true' then
  return {'cancel'}
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'leased'}
end
local holder = redis.call('GET', KEYS[2])
if holder then
  return {'held', holder}
end
return {'held'}
