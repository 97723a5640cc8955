"""pytest plugin (see pyproject.toml): environment defaults for the test run.

It must load before pytest-django imports the settings, which refuse to start without a secret key.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-any-real-deployment-0123456789")
# Playwright's sync API keeps an event loop in the test thread; Django would refuse ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# pytest-xdist: each worker gets its own test database (pytest-django adds a suffix) and, when the run uses
# Redis, its own Redis database: the tests flush the cache around each test, which must not empty another
# worker's. Worker gw<N> takes the given database number minus N (CI gives 15: workers use 15 and 14).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(os.environ["REDIS_URL"])
    _base = int(_url.path.strip("/") or 0)
    _db = _base - int(_worker[2:])
    if _db < 0:
        raise RuntimeError(f"REDIS_URL database {_base} leaves no Redis database for xdist worker {_worker}")
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{_db}"))
