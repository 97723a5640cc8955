"""What pages build from the content, cached under the content version (lessons.documents).

Templates wrap content-only fragments in `{% cache 86400 "name" content_version ... %}` (TIMEOUT),
and fragments built from the code alone in `{% cache 86400 "name" release ... %}`;
views memoise the few data lookups they need before rendering with `cached()`. A load or an admin edit
changes the version, so every process builds afresh on its next request. Anything per request (CSRF
token, CSP nonce, the learner's progress, messages) stays outside the cached fragments.
"""

import hashlib
from collections.abc import Callable
from functools import cache as cache_once

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import documents

# Entries for an old version are never read again; the timeout only frees their memory.
TIMEOUT = 60 * 60 * 24


def version(request: HttpRequest) -> int:
    """The content version, read from the database at most once per request."""
    try:
        return request._content_version
    except AttributeError:
        request._content_version = documents.content_version()
        return request._content_version


def cached[T](request: HttpRequest, name: str, build: Callable[[], T], *vary: object) -> T:
    """build()'s result for this content version (and vary), built once and then read from the cache."""
    parts = ":".join(str(v) for v in vary)
    key = (
        f"lessons:{name}:{version(request)}:{hashlib.md5(parts.encode(), usedforsecurity=False).hexdigest()}"
    )
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value


def _release() -> str:
    """Changes whenever a template or URL pattern file changes (at deploy): keys fragments built from
    the code alone (the nav, the home page), so they need no database read and are never stale."""
    root = settings.BASE_DIR
    files = sorted(
        [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html"), *root.glob("*/urls.py")]
    )
    stamp = "".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns};" for f in files)
    return hashlib.md5(stamp.encode(), usedforsecurity=False).hexdigest()[:12]


RELEASE = _release()


def content_version(request: HttpRequest) -> dict:
    """Context processor: `content_version` for `{% cache %}` keys (read only if a template uses it)
    and `release` for fragments that depend on the code alone."""
    return {"content_version": SimpleLazyObject(lambda: version(request)), "release": RELEASE}


def lazy_context(build: Callable[[], dict], names: list[str]) -> dict:
    """Context entries built (once, together) only if a template reads one: when a fragment is not cached."""
    memo = cache_once(build)
    return {name: SimpleLazyObject(lambda name=name: memo()[name]) for name in names}
