-- Takes a job's lease over from a holder known to be gone (or from nobody).
-- KEYS: 1 the lease. ARGV: 1 the holder seen ('' for none), 2 the new worker id, 3 TTL in ms. Returns 1 when taken.
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
