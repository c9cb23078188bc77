-- register: a new incarnation and lease for a node.
-- KEYS[1] incarnation counter, KEYS[2] node hash, KEYS[3] nodes set, KEYS[4] lease,
-- KEYS[5] generation, KEYS[6] rebuilding
-- ARGV: node, host, pg_port, peer_port, lease_ms, new_generation_id, rebuild_ms,
-- stream_epoch (the epoch of the node's log stream this incarnation writes with).
-- Returns {incarnation, generation}.
-- The counter never goes below the server clock in microseconds, so
-- incarnations stay unique even after the memory layer lost every key
-- (invariant 7), as long as the server clock does not step back.
-- The first register into an empty Redis sets the generation ("id:created_ms").
-- A node that may own pages from before (rebuild_ms > 0: it is rejoining after
-- a loss, or its log stream shows an earlier life) opens the rebuild window,
-- which ends rebuild_ms after the generation began: until then claims are
-- refused, so a page a live node still owns (and reports with restore) cannot
-- be granted to anybody else.
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_ms = math.floor(now_us / 1000)
local gen = redis.call('GET', KEYS[5])
local created
if not gen then
  gen = ARGV[6] .. ':' .. string.format('%d', now_ms)
  created = now_ms
  redis.call('SET', KEYS[5], gen)
else
  created = tonumber(string.match(gen, ':(%d+)$')) or 0
end
local left = created + tonumber(ARGV[7]) - now_ms
if tonumber(ARGV[7]) > 0 and left > 0 then
  redis.call('SET', KEYS[6], '1', 'PX', left, 'NX')
end
local inc = redis.call('INCR', KEYS[1])
if inc < now_us then
  inc = now_us
  redis.call('SET', KEYS[1], inc)
end
redis.call('HSET', KEYS[2], 'host', ARGV[2], 'pg_port', ARGV[3],
           'peer_port', ARGV[4], 'incarnation', inc, 'stream_epoch', ARGV[8])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], inc, 'PX', ARGV[5])
return {inc, gen}
