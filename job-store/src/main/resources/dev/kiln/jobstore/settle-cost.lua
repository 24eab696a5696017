-- Attributes a finished job's cost exactly once.
-- KEYS[1] job hash, KEYS[2] tenant cost hash, KEYS[3] watch set
-- ARGV[1] cost field name, ARGV[2] dollars, ARGV[3] day (yyyy-MM-dd), ARGV[4] job id
-- Returns 1 when the cost was written now, 0 when it had been before.
local written = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
if written == 1 then
  redis.call('HINCRBYFLOAT', KEYS[2], ARGV[3], ARGV[2])
end
redis.call('ZREM', KEYS[3], ARGV[4])
return written
