"""`/healthz`: whether this server can reach its database and Redis, for monitors and load balancers."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 while the database answers; Redis down is reported but not fatal (throttles fall back per process)."""
    checks = {"database": _database(), "redis": _redis()}
    healthy = checks["database"] == "ok"
    status = "ok" if healthy and checks["redis"] != "down" else ("degraded" if healthy else "down")
    return JsonResponse({"status": status, **checks}, status=200 if healthy else 503)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure to reach it is the answer, not an error of this page
        return "down"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return "down"
    return "ok"
