"""A room-sized limit on wrong join and rejoin codes per client address: generous, since a whole class
may share one address behind the school's network."""

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

LIMIT = 40
WINDOW = 10 * 60


def _key(request: HttpRequest, scope: str) -> str:
    client = hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()[:32]
    return f"classroom-failures:{scope}:{client}"


def too_many_failures(request: HttpRequest, scope: str) -> bool:
    return (cache.get(_key(request, scope)) or 0) >= LIMIT


def record_failure(request: HttpRequest, scope: str) -> None:
    key = _key(request, scope)
    if not cache.add(key, 1, WINDOW):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, WINDOW)
