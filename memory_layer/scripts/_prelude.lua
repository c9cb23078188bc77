-- Helpers shared by the directory scripts.  ARGV[1] is the key prefix; the
-- per-node key names here must match memory_layer/keys.py.
-- A directory entry is the hash {owner, inc, epoch, version}: inc is the
-- owner's incarnation when it was granted the page, so an owner that died and
-- re-registered (a new incarnation) no longer counts as the live owner.
-- Reply of an entry: {status, owner or '', epoch, version, {readers...}}.
local P = ARGV[1]

-- True when inc is node's current incarnation and its lease is alive.
local function live_incarnation(node, inc)
  return redis.call('HGET', P .. 'node:' .. node, 'incarnation') == inc
    and redis.call('GET', P .. 'lease:' .. node) == inc
end

-- True while the incarnation that was granted an entry still holds its lease.
-- (A missing owner_inc never counts as live: GET of a lost lease is false too.)
local function owner_live(owner, owner_inc)
  return owner_inc and redis.call('GET', P .. 'lease:' .. owner) == owner_inc
end

-- The live incarnation of node, or '' (an entry granted to '' is claimable).
local function lease_of(node)
  return redis.call('GET', P .. 'lease:' .. node) or ''
end

local function entry_reply(status, dir_key, readers_key)
  local e = redis.call('HMGET', dir_key, 'owner', 'epoch', 'version')
  return {status, e[1] or '', tonumber(e[2] or 0), tonumber(e[3] or 0),
          redis.call('SMEMBERS', readers_key)}
end

-- Move member (a "table:bucket" string) from one owner's set to another's.
local function move_page(member, from, to)
  if from then
    local owned = P .. 'owned:' .. from
    redis.call('SREM', owned, member)
    if redis.call('SCARD', owned) == 0 then
      redis.call('SREM', P .. 'owners', from)
    end
  end
  redis.call('SADD', P .. 'owned:' .. to, member)
  redis.call('SADD', P .. 'owners', to)
  redis.call('SADD', P .. 'pages', member)
end
