-- page_counts: {node, count, node, count, ...} for every node owning pages.
-- ARGV: prefix
local out = {}
for _, node in ipairs(redis.call('SMEMBERS', P .. 'owners')) do
  local n = redis.call('SCARD', P .. 'owned:' .. node)
  if n > 0 then
    out[#out + 1] = node
    out[#out + 1] = n
  end
end
return out
