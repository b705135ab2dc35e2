"""Fixed-window counters in the cache: how many submissions one address, token or key may make."""

import ipaddress

from django.conf import settings
from django.core.cache import cache


def throttle_allow(scope: str, key: str) -> bool:
    """Count one attempt for `key` in `scope`; False once the scope's limit for the window is reached."""
    limit, window = settings.SIPAS_THROTTLES[scope]
    name = f"throttle:{scope}:{key}"
    # add() only sets a missing key, so the window starts at the first attempt and is not extended.
    if cache.add(name, 1, timeout=window):
        return True
    try:
        count = cache.incr(name)
    except ValueError:
        # The window expired between add() and incr(): this attempt opens a new one.
        cache.add(name, 1, timeout=window)
        return True
    return count <= limit


def client_address(request) -> str:
    """The sender's address as throttling counts it.

    Behind SIPAS_PROXY_HOPS proxies, the address the nearest trusted proxy saw in
    X-Forwarded-For (entries further left can be forged by the sender). An IPv6
    sender holds a whole /64, so it counts as that network.
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.SIPAS_PROXY_HOPS
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
