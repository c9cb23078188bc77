-- heartbeat: renew the lease of a live current incarnation.
-- KEYS[1] node hash, KEYS[2] lease; ARGV: incarnation, lease_ms.
-- Returns 0 once a newer incarnation registered, the node deregistered, or the
-- lease already expired (an expired incarnation stays dead: re-register).
local inc = ARGV[1]
if redis.call('HGET', KEYS[1], 'incarnation') ~= inc
    or redis.call('GET', KEYS[2]) ~= inc then
  return 0
end
redis.call('SET', KEYS[2], inc, 'PX', ARGV[2])
return 1
