-- buffer_put: keep the newer image only, and who pushed it.
-- KEYS[1] buf hash; ARGV: version, image, pusher (incarnation, 0 if unknown).
-- Returns 1 if stored, 0 if an equal or newer version is already there.  An equal
-- version only records the new pusher (the image of one version is the same
-- whoever pushes it: invariant 3).
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) > tonumber(ARGV[1]) then
  return 0
end
if cur and tonumber(cur) == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'by', ARGV[3])
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'img', ARGV[2], 'by', ARGV[3])
return 1
