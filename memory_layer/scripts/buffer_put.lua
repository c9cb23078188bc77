-- buffer_put: keep the newer image only.
-- KEYS[1] buf hash; ARGV: version, image.  Returns 1 if stored, 0 if an
-- equal or newer version is already there.
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'img', ARGV[2])
return 1
