-- Helpers shared by the directory scripts.  ARGV[1] is the key prefix; the
-- per-node key names here must match memory_layer/keys.py.
-- Reply of an entry: {status, owner or '', epoch, version, {readers...}}.
local P = ARGV[1]

-- True when inc is node's current incarnation and its lease is alive.
local function live_incarnation(node, inc)
  return redis.call('HGET', P .. 'node:' .. node, 'incarnation') == inc
    and redis.call('GET', P .. 'lease:' .. node) == inc
end

local function node_alive(node)
  return redis.call('EXISTS', P .. 'lease:' .. node) == 1
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
