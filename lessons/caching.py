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
    digest = hashlib.md5(parts.encode(), usedforsecurity=False).hexdigest()
    key = f"lessons:{name}:{version(request)}:{RELEASE}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value


def _release() -> str:
    """Changes whenever the code changes (at deploy): templates, URL patterns and the Python that builds what
    is cached. It keys fragments built from the code alone (the nav, the home page), so they need no database
    read and are never stale, and it is part of every content key too (`content_version` in templates,
    `cached()`), so a deploy that changes a fragment's markup or a cached value's shape never serves the old
    one from a cache that outlived it (Redis). Read from the files' bytes, so every host of one release
    agrees."""
    root = settings.BASE_DIR
    packages = [d for d in root.iterdir() if (d / "__init__.py").is_file()]
    files = sorted(
        [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]
        + [f for d in packages for f in d.rglob("*.py")]
    )
    digest = hashlib.md5(usedforsecurity=False)
    for f in files:
        digest.update(f"{f.relative_to(root)}\0".encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release()


def content_version(request: HttpRequest) -> dict:
    """Context processor: `content_version` for `{% cache %}` keys (read only if a template uses it; it holds
    the release too, as a fragment's markup comes from the code) and `release` for fragments that depend on
    the code alone."""
    return {"content_version": SimpleLazyObject(lambda: f"{version(request)}.{RELEASE}"), "release": RELEASE}


def lazy_context(build: Callable[[], dict], names: list[str]) -> dict:
    """Context entries built (once, together) only if a template reads one: when a fragment is not cached."""
    memo = cache_once(build)
    return {name: SimpleLazyObject(lambda name=name: memo()[name]) for name in names}
