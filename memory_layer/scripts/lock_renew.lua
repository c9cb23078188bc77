-- lock_renew / lock_release: only the holder of the current token may.
-- KEYS[1] lock; ARGV: token, lease_ms (0 = release).  Returns 1 or 0.
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%d+):') ~= ARGV[1] then
  return 0
end
if tonumber(ARGV[2]) == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
