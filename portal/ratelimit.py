"""How often the customer page may be asked for: per client IP and per link, in fixed windows.

Counted in the platform's cache (Redis in production, shared by every web process; per process
locally). A token is public once it is in an e-mail, so the limits stop someone walking through
tokens from one address (per IP) and a leaked link being scraped from many (per link). Unknown
and tampered tokens count too: guessing is what the IP limit is for.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    # The proxy in front (gunicorn behind nginx/the load balancer) sets REMOTE_ADDR from the
    # connection it trusts; a client-supplied X-Forwarded-For is not believed here.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _hit(key: str, *, limit: int, window: int) -> bool:
    """Count one request under ``key``; True when it is over ``limit``."""
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    return count > limit


def rate_limited(request, token: str) -> int | None:
    """Count this request; the seconds to wait (for ``Retry-After``) when a limit is exceeded, else None."""
    config = settings.DEBITOR_PORTAL
    window = config["RATE_LIMIT_WINDOW_SECONDS"]
    now = int(time.time())
    bucket = now // window
    retry_after = window - now % window
    token_key = hashlib.sha256(token.encode()).hexdigest()[:32]
    over = False
    for key, limit in (
        (f"portal:ip:{client_ip(request)}:{bucket}", config["RATE_LIMIT_PER_IP"]),
        (f"portal:link:{token_key}:{bucket}", config["RATE_LIMIT_PER_LINK"]),
    ):
        over = _hit(key, limit=limit, window=window) or over
    return retry_after if over else None
