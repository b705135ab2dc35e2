"""Fixed-window counters in the cache: how many submissions one address, token or key may make.

The counters live in the shared cache (Redis in production). When it cannot be reached, each
server process counts on its own instead: looser, but a citizen's answer is never refused
because a counter is down (/healthz says Redis is down meanwhile).
"""

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# This process's own counters, used only while the shared cache is unreachable.
_local = LocMemCache("sipas-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def throttle_allow(scope: str, key: str) -> bool:
    """Count one attempt for `key` in `scope`; False once the scope's limit for the window is reached."""
    name = f"throttle:{scope}:{key}"
    try:
        return _count(cache, scope, name)
    except RedisError as error:
        logger.warning("throttle counts per process: the shared cache is unreachable (%s)", error)
        return _count(_local, scope, name)


def _count(counters, scope: str, name: str) -> bool:
    limit, window = settings.SIPAS_THROTTLES[scope]
    # add() only sets a missing key, so the window starts at the first attempt and is not extended.
    if counters.add(name, 1, timeout=window):
        return True
    try:
        count = counters.incr(name)
    except ValueError:
        # The window expired between add() and incr(): this attempt opens a new one.
        counters.add(name, 1, timeout=window)
        return True
    return count <= limit


def client_ip(request) -> str:
    """The sender's address: behind SIPAS_PROXY_HOPS proxies, the one the nearest trusted proxy saw.

    Entries of X-Forwarded-For further left than the trusted hops can be forged by the sender.
    The login lockout counts this address, so one office behind a proxy is not one address.
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.SIPAS_PROXY_HOPS
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def client_address(request) -> str:
    """The sender's address as throttling counts it: an IPv6 sender holds a whole /64, so it counts as that network."""
    address = client_ip(request)
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address
