"""Fixed-window counters in the cache: how many submissions one address, token or key may make."""

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
    """The sender's address. Behind a proxy, set the server's REMOTE_ADDR from it (e.g. in gunicorn)."""
    return request.META.get("REMOTE_ADDR", "")
