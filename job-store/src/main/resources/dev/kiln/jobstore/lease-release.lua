-- Gives a job's lease up if the worker holds it. KEYS: 1 the lease. ARGV: 1 worker id. Returns 1 when released.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
