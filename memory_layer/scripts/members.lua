-- members: {node, incarnation, host, pg_port, peer_port, live, stream_epoch} per node.
-- ARGV: prefix
local P = ARGV[1]
local out = {}
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  local h = redis.call('HMGET', P .. 'node:' .. node,
                       'incarnation', 'host', 'pg_port', 'peer_port', 'stream_epoch')
  if h[1] then
    local live = redis.call('GET', P .. 'lease:' .. node) == h[1] and 1 or 0
    out[#out + 1] = {node, h[1], h[2] or '', h[3] or '0', h[4] or '0', live, h[5] or '0'}
  end
end
return out
