"""Login throttling: at most 5 attempts a minute per account and 30 per IP address."""

from __future__ import annotations

from django.core.cache import cache

WINDOW_SECONDS = 60
LIMITS = {"account": 5, "ip": 30}


def _key(kind: str, value: str) -> str:
    return f"login-attempts:{kind}:{value.lower()}"


def too_many_attempts(*, email: str, ip: str) -> bool:
    """Count this attempt and tell whether a limit is exceeded. Fails closed if the cache is down."""
    try:
        for kind, value in (("account", email), ("ip", ip)):
            key = _key(kind, value)
            cache.add(key, 0, WINDOW_SECONDS)
            if cache.incr(key) > LIMITS[kind]:
                return True
    except Exception:  # noqa: BLE001 — any cache failure refuses the login rather than allowing brute force
        return True
    return False
