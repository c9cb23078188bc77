-- transfer: the owner hands one page to another node.
-- KEYS[1] dir hash, KEYS[2] readers set
-- ARGV: prefix, member, from_node, from_incarnation, epoch, to_node, version
-- status: -1 from_incarnation is not from_node's live current incarnation;
-- -2 from_node (that incarnation) does not own the page at that epoch;
-- 1 done (entry after the move).  The entry records to_node's live incarnation;
-- if to_node is not live the page is left claimable by anyone.
local member, from, inc = ARGV[2], ARGV[3], ARGV[4]
local epoch, to, version = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
if not live_incarnation(from, inc) then
  return entry_reply(-1, KEYS[1], KEYS[2])
end
local e = redis.call('HMGET', KEYS[1], 'owner', 'inc', 'epoch', 'version')
if e[1] ~= from or e[2] ~= inc or tonumber(e[3] or 0) ~= epoch then
  return entry_reply(-2, KEYS[1], KEYS[2])
end
local old = tonumber(e[4] or 0)
if old > version then
  version = old
end
move_page(member, from, to)
redis.call('HSET', KEYS[1], 'owner', to, 'inc', lease_of(to), 'epoch', epoch + 1,
           'version', version)
redis.call('INCR', P .. 'stats:handoffs')
return entry_reply(1, KEYS[1], KEYS[2])
