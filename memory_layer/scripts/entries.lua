-- entries: a consistent snapshot of the entries named by a set of members.
-- KEYS[1] set of "table:bucket" members (pages, or owned:<node>)
-- ARGV: prefix
-- Reply: flat list of {member, owner or '', epoch, version, {readers...}}.
local out = {}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local r = entry_reply(0, P .. 'dir:' .. member, P .. 'readers:' .. member)
  r[1] = member
  out[#out + 1] = r
end
return out
