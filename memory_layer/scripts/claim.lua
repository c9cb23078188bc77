-- claim / restore one page.
-- KEYS[1] dir hash, KEYS[2] readers set
-- ARGV: prefix, member, node, incarnation, floor_version (-1 for claim)
-- status: -1 caller is not a live current incarnation; 1 granted; 0 refused
-- (a live node owns it; the reply names that owner).
local member, node, inc = ARGV[2], ARGV[3], ARGV[4]
local floor = tonumber(ARGV[5])
if not live_incarnation(node, inc) then
  return entry_reply(-1, KEYS[1], KEYS[2])
end
local e = redis.call('HMGET', KEYS[1], 'owner', 'epoch', 'version')
local owner = e[1]
if owner and owner ~= node and node_alive(owner) then
  return entry_reply(0, KEYS[1], KEYS[2])
end
local epoch = tonumber(e[2] or 0)
local version = e[3] or '0'
if owner ~= node then
  epoch = epoch + 1
  move_page(member, owner, node)
end
if floor > tonumber(version) then
  version = ARGV[5]
end
redis.call('HSET', KEYS[1], 'owner', node, 'epoch', epoch, 'version', version)
return entry_reply(1, KEYS[1], KEYS[2])
