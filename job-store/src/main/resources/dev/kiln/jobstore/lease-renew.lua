-- Renews a job's lease if the worker still holds it. KEYS: 1 the lease. ARGV: 1 worker id, 2 TTL in ms.
-- Returns 1 when renewed.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
