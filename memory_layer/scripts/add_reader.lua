-- add_reader: record a read copy.
-- KEYS[1] dir hash, KEYS[2] readers set; ARGV: prefix, member, node.
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('SADD', P .. 'pages', ARGV[2])
return entry_reply(1, KEYS[1], KEYS[2])
