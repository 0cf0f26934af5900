"""Counting requests in a window, in the shared cache (settings.CACHES: the database, so
that every server process counts together). Fixed windows: the first request starts one."""

import hashlib

from django.core.cache import cache


def within_limit(kind: str, value: str, *, limit: int, window: int) -> bool:
    """Count one more request of `kind` for `value` (an address, say); False once more than
    `limit` have been counted in the `window` seconds since the first. The cache's get-then-set
    increment can let a burst of simultaneous requests past by a few: a bound, not a ledger."""
    key = f"throttle:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
