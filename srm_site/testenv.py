"""pytest plugin (see pyproject.toml): environment defaults for the test run.

It must load before pytest-django imports the settings, which refuse to start without a secret key.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-any-real-deployment-0123456789")
# Playwright's sync API keeps an event loop in the test thread; Django would refuse ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
