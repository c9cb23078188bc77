-- claim / restore one page.
-- KEYS[1] dir hash, KEYS[2] readers set
-- ARGV: prefix, member, node, incarnation, floor_version (-1 for claim; the
-- version a node reports when the directory is rebuilt, invariant 7)
-- status: -1 caller is not a live current incarnation; 1 granted; 0 refused
-- (a live node owns it; the reply names that owner); -3 the directory is being
-- rebuilt after a memory-layer loss (claims wait; restores go through).
-- The epoch is bumped whenever the owning incarnation changes, including a
-- node that re-registered and takes back its own pages.  Version never drops.
local member, node, inc = ARGV[2], ARGV[3], ARGV[4]
local floor = tonumber(ARGV[5])
if not live_incarnation(node, inc) then
  return entry_reply(-1, KEYS[1], KEYS[2])
end
if floor < 0 and redis.call('EXISTS', P .. 'rebuilding') == 1 then
  return entry_reply(-3, KEYS[1], KEYS[2])
end
local e = redis.call('HMGET', KEYS[1], 'owner', 'inc', 'epoch', 'version')
local owner, owner_inc = e[1], e[2]
if owner and owner ~= node and owner_live(owner, owner_inc) then
  return entry_reply(0, KEYS[1], KEYS[2])
end
local epoch = tonumber(e[3] or 0)
local version = tonumber(e[4] or 0)
if owner ~= node or owner_inc ~= inc then
  epoch = epoch + 1
  move_page(member, owner, node)
end
if floor > version then
  version = floor
end
redis.call('HSET', KEYS[1], 'owner', node, 'inc', inc, 'epoch', epoch,
           'version', version)
return entry_reply(1, KEYS[1], KEYS[2])
