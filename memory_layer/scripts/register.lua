-- register: a new incarnation and lease for a node.
-- KEYS[1] incarnation counter, KEYS[2] node hash, KEYS[3] nodes set, KEYS[4] lease
-- ARGV: node, host, pg_port, peer_port, lease_ms.  Returns the incarnation.
-- The counter never goes below the server clock in microseconds, so
-- incarnations stay unique even after the memory layer lost every key
-- (invariant 7), as long as the server clock does not step back.
local inc = redis.call('INCR', KEYS[1])
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
if inc < now_us then
  inc = now_us
  redis.call('SET', KEYS[1], inc)
end
redis.call('HSET', KEYS[2], 'host', ARGV[2], 'pg_port', ARGV[3],
           'peer_port', ARGV[4], 'incarnation', inc)
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], inc, 'PX', ARGV[5])
return inc
