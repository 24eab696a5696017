-- Claims jobs of the outbox whose message SQS has not confirmed: up to ARGV[3] entries recorded at or before ARGV[1],
-- re-scored to ARGV[2] (now) so that another relay does not take them at once.
-- KEYS: 1 the outbox. Returns the claimed job ids.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
end
return ids
