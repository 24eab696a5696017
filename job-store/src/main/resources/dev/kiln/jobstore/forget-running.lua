-- Drops an id from the running index unless the job is RUNNING (finished, released or expired meanwhile).
-- KEYS: 1 job, 2 running index. ARGV: 1 job id. Returns 1 when the id was dropped.
if redis.call('HGET', KEYS[1], 'state') == 'RUNNING' then return 0 end
return redis.call('ZREM', KEYS[2], ARGV[1])
