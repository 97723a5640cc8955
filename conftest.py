"""Test-wide settings tweaks and the browser layer's fixtures."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    # Session-wide, before the session-scoped live server builds its middleware: hashed static names
    # would need collectstatic, so tests serve plain names straight from the finders.
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium; never `playwright install`.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: browser tests NOT RUN")
    browser_items = [item for item in items if "page" in getattr(item, "fixturenames", ())]
    for item in browser_items:
        item.add_marker(skip)
    if browser_items:
        config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"\n!!! WARNING: {len(browser_items)} browser tests SKIPPED: Chromium not found at {CHROMIUM} !!!\n",
            red=True,
            bold=True,
        )
