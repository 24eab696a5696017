-- Claims a due webhook delivery for one sender: moves its score to the end of the lease, only if it is (still) due.
-- KEYS: 1 due webhooks. ARGV: 1 delivery id, 2 now (millis), 3 end of the lease (millis). Returns 1 when claimed.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
