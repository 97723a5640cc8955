"""SQLite under concurrent writers: the settings make read-then-write transactions queue, not fail.

Each thread opens its own connection to a file database (as gunicorn workers do), reads, waits for
every other thread to have read too, then writes: the pattern of "mark done" and "answer" requests.
"""

import contextlib
import threading

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.utils import ConnectionHandler, load_backend

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's locking; PostgreSQL has row locks",
)

WRITERS = 6


def run_writers(tmp_path, options: dict) -> tuple[int, list[str]]:
    """Concurrent read-then-write transactions; the number of rows written and the errors raised."""
    config = {**settings.DATABASES["default"], "NAME": str(tmp_path / "db.sqlite3"), "OPTIONS": options}
    settings_dict = ConnectionHandler({"default": config}).settings["default"]
    backend = load_backend(settings_dict["ENGINE"])

    def connect():
        return backend.DatabaseWrapper(settings_dict, "soak")

    setup = connect()
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE record (id INTEGER PRIMARY KEY, learner INTEGER)")
    setup.close()

    everyone_has_read = threading.Barrier(WRITERS, timeout=30)
    errors: list[str] = []

    def writer(n: int) -> None:
        connection = connect()
        try:
            # What transaction.atomic() does on entry.
            connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM record WHERE learner = %s", [n])
                cursor.fetchone()
                # With IMMEDIATE the others queue behind us, so nobody else can have read yet.
                with contextlib.suppress(threading.BrokenBarrierError):
                    everyone_has_read.wait(timeout=1)
                cursor.execute("INSERT INTO record (learner) VALUES (%s)", [n])
            connection.commit()
        except OperationalError as exc:
            errors.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=[n]) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = connect()
    with check.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM record")
        (written,) = cursor.fetchone()
    check.close()
    return written, errors


@pytest.fixture
def own_connections(django_db_blocker):
    # These tests open their own connections to their own file, never the test database.
    with django_db_blocker.unblock():
        yield


def test_deferred_transactions_lose_writes(tmp_path, own_connections):
    # The failure the settings fix: without IMMEDIATE, writers that read first cannot all commit.
    written, errors = run_writers(tmp_path, {"timeout": 5})
    assert errors and all("locked" in e for e in errors)
    assert written < WRITERS


def test_concurrent_writers_all_commit_with_the_sites_settings(tmp_path, own_connections):
    written, errors = run_writers(tmp_path, settings.DATABASES["default"]["OPTIONS"])
    assert errors == []
    assert written == WRITERS


def test_sqlite_uses_write_ahead_logging_and_waits_for_locks():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]
