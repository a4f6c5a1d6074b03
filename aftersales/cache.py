"""Django's Redis cache, with one client object per connection pool.

Django's RedisCacheClient makes a new `redis.Redis` for every cache call (`get_client`), and a
new client builds its table of about 170 response callbacks: with a session and a user's access
read from the cache, three of them a request, about a fifth of a millisecond. A client holds no
connection of its own (the pool does, per thread and process), so one per pool serves every call.
"""
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._get_connection_pool(write)  # makes the pool of that index
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class PooledClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient
