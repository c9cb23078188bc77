-- deregister: remove a node if the incarnation is still current.
-- KEYS[1] node hash, KEYS[2] nodes set, KEYS[3] lease; ARGV: node, incarnation.
if redis.call('HGET', KEYS[1], 'incarnation') ~= ARGV[2] then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
