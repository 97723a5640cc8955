"""Log-in throttling: a small counter of recent failures per client address and username."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(request: HttpRequest, username: str) -> str:
    # Behind a proxy REMOTE_ADDR is the proxy; counting per username as well still stops guessing.
    client = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{client}|{username.strip().lower()}".encode()).hexdigest()
    return f"login-failures:{digest}"


def seconds_locked(request: HttpRequest, username: str) -> int:
    """Seconds until this client may try this username again; 0 when it may try now."""
    failures = cache.get(_key(request, username)) or []
    now = time.time()
    recent = [t for t in failures if now - t < settings.LOGIN_FAILURE_WINDOW]
    if len(recent) < settings.LOGIN_FAILURE_LIMIT:
        return 0
    return int(settings.LOGIN_FAILURE_WINDOW - (now - min(recent))) + 1


def record_failure(request: HttpRequest, username: str) -> None:
    key = _key(request, username)
    now = time.time()
    failures = [t for t in cache.get(key) or [] if now - t < settings.LOGIN_FAILURE_WINDOW]
    cache.set(key, [*failures, now], settings.LOGIN_FAILURE_WINDOW)


def clear_failures(request: HttpRequest, username: str) -> None:
    cache.delete(_key(request, username))
