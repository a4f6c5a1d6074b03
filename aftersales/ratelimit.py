"""Limits per client address and clock hour, counted in Redis.

Redis rather than the database because such a limit is the first line against a flood from one
address: it is checked before the database is touched, a refused request writes nothing, and
`cache.add` + `cache.incr` are atomic, so concurrent requests cannot overshoot. Losing the
counters (a Redis restart) only resets the limits for the rest of the hour. Fixed windows: at
worst a client gets twice the limit around the turn of an hour, which still stops a flood.
"""
import datetime as dt
import ipaddress
import math

from django.core.cache import cache


def address_name(client_ip) -> str:
    """The name a client is counted by: IPv4 as is (also when mapped into IPv6), IPv6 by its
    /64 network (one subscriber's allocation, so rotating addresses inside it does not help);
    "unknown" for a missing or malformed address (such clients share one bucket)."""
    try:
        address = ipaddress.ip_address(str(client_ip or "").strip())
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class HourlyAddressLimit:
    """At most `limit` actions named `purpose` per client address and clock hour."""

    def __init__(self, purpose, client_ip, *, limit, now):
        stamp = int(now.timestamp())
        window = stamp // 3600
        self.limit = limit
        self.now = now
        self.key = f"{purpose}:address:{address_name(client_ip)}:{window}"
        self.ends_at = dt.datetime.fromtimestamp((window + 1) * 3600, tz=dt.UTC)
        # Outlives its window a little, so a late incr never finds it gone.
        self.timeout = (window + 1) * 3600 - stamp + 60

    @property
    def retry_after(self) -> int:
        """Seconds until the next window opens (for a Retry-After header)."""
        return max(1, math.ceil((self.ends_at - self.now).total_seconds()))

    def is_full(self) -> bool:
        return (cache.get(self.key) or 0) >= self.limit

    def take(self) -> bool:
        """Count one action; False when it is over the hour's limit."""
        cache.add(self.key, 0, timeout=self.timeout)
        try:
            count = cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.add(self.key, 0, timeout=self.timeout)
            count = cache.incr(self.key)
        return count <= self.limit
