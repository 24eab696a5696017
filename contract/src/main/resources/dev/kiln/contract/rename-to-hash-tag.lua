-- One-off upgrade of a standalone (non-cluster) Redis written by a Kiln release before the {kiln} hash tag: renames
-- every key named kiln:<rest> to {kiln}:<rest> (RedisKeys' names), leaving keys that already have the tagged name.
-- Run it with the services stopped, before the new release starts, on the old store:
--   redis-cli [--tls --user kiln --askpass] -h <host> EVAL "$(cat rename-to-hash-tag.lua)" 0
-- It blocks Redis while it runs (about a second per million keys). On a cluster-mode store it cannot run (the old
-- names live in many slots): rename on the standalone store first, then move the data (snapshot restore).
-- Returns {renamed, skipped}: skipped keys had a tagged twin already (left as they are, for a look by hand).
local renamed, skipped = 0, 0
local cursor = '0'
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', 'kiln:*', 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    local tagged = '{kiln}:' .. string.sub(key, 6)
    if redis.call('RENAMENX', key, tagged) == 1 then
      renamed = renamed + 1
    else
      skipped = skipped + 1
    end
  end
until cursor == '0'
return {renamed, skipped}
