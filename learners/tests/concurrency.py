"""Run functions in threads at the same moment, each on its own database connection."""

import threading

import pytest
from django.db import connection

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real concurrent transactions (runs on PostgreSQL in CI)"
)


def at_once(*functions) -> list:
    """Call every function in its own thread, released together; their results (or exceptions) in order."""
    start = threading.Barrier(len(functions), timeout=30)
    results: list = [None] * len(functions)

    def run(i, function):
        try:
            start.wait()
            results[i] = function()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread raised
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=[i, f]) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
