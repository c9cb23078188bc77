-- lock_acquire: a named lock with a lease and a fencing token.
-- KEYS[1] lock, KEYS[2] token counter; ARGV: holder, lease_ms.
-- Returns the new token, or false when the lock is held.  Tokens never go
-- below the server clock in microseconds, so they keep growing even after the
-- memory layer lost every key.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return false
end
local token = redis.call('INCR', KEYS[2])
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
if token < now_us then
  token = now_us
  redis.call('SET', KEYS[2], token)
end
redis.call('SET', KEYS[1], string.format('%d', token) .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
