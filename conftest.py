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
    # would need collectstatic, so tests serve plain names straight from the finders. Through
    # override_settings, whose setting_changed signal resets the storages: a test module that imports the
    # WSGI application (srm_site/wsgi.py) at collection has already built the manifest storage, which,
    # once `make run` has collected static files, names hashed files the live server does not serve.
    from django.conf import settings
    from django.test import override_settings

    overrides = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_AUTOREFRESH=True,
        WHITENOISE_USE_FINDERS=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    overrides.enable()
    yield
    overrides.disable()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:  # the default cache and the page cache (srm_site/pagecache.py)
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium; never `playwright install`.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _no_chromium() -> bool:
    return not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM))


def pytest_report_header(config):
    # Shown by the main process, also when pytest-xdist workers run the tests.
    if _no_chromium():
        return f"!!! WARNING: browser tests will be SKIPPED: Chromium not found at {CHROMIUM} !!!"
    return None


def pytest_collection_modifyitems(config, items):
    if not _no_chromium():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: browser tests NOT RUN")
    browser_items = [item for item in items if "page" in getattr(item, "fixturenames", ())]
    for item in browser_items:
        item.add_marker(skip)
    reporter = config.pluginmanager.get_plugin("terminalreporter")  # none in an xdist worker
    if browser_items and reporter:
        reporter.write_line(
            f"\n!!! WARNING: {len(browser_items)} browser tests SKIPPED: Chromium not found at {CHROMIUM} !!!\n",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def _real_pack_rows(django_db_setup, django_db_blocker):
    """The real content pack, validated and loaded once per session: every row it writes, then rolled back.

    Kept as one INSERT per table with each row's values already prepared for the database, so copying the
    pack into a test (8,000 rows) is a few executemany() calls: building model instances and compiling
    bulk_create's SQL afresh for every test cost about 2 s a test, a fifth of the suite's time."""
    from django.apps import apps
    from django.db import connection, transaction

    from quizzes.loading import load_everything

    models = [
        model
        for label in ("lessons", "quizzes")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    quote = connection.ops.quote_name
    rows = {}
    with django_db_blocker.unblock(), transaction.atomic():
        load_everything()
        for model in models:
            objects = list(model._base_manager.all())
            if not objects:
                continue
            fields = model._meta.concrete_fields
            sql = (
                f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})"
            )
            values = [
                tuple(f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields) for o in objects
            ]
            rows[model] = (sql, values)
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def real_pack(db, _real_pack_rows):
    """The real content pack in this test's database, copied in from the session's one load."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from lessons import documents

    # One transaction: foreign keys are checked at its end, so the copy order does not matter.
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, values in _real_pack_rows.values():
            cursor.executemany(sql, values)
        for sql in connection.ops.sequence_reset_sql(no_style(), list(_real_pack_rows)):
            cursor.execute(sql)
    documents.content_changed()
