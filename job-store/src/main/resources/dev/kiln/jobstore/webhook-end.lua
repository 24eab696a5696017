-- Ends a webhook delivery: out of the due set, kept for inspection until it expires, and for a terminal event its
-- outcome on the job's record while the record still exists.
-- KEYS: 1 due webhooks, 2 the delivery, 3 the job. ARGV: 1 delivery id, 2 status, 3 TTL seconds of the delivery,
-- 4 '1' to write the outcome on the job. Returns 1.
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'status', ARGV[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HSET', KEYS[3], 'webhookStatus', ARGV[2])
end
return 1
