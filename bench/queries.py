"""Count each page's SQL queries once its caches are warm (bench/run.py feeds the pages on stdin)."""

import json
import sys

import django
from django.db import connection
from django.test.utils import CaptureQueriesContext

django.setup()

from django.test import Client  # noqa: E402


def main() -> None:
    client = Client()
    counts = {}
    for page in json.load(sys.stdin):

        def request(page=page):
            headers = page["headers"] or {}
            if page["body"] is None:
                return client.get(page["path"], headers=headers)
            return client.post(
                page["path"], page["body"], content_type="application/x-www-form-urlencoded", headers=headers
            )

        request()
        with CaptureQueriesContext(connection) as queries:
            request()
        counts[page["path"]] = len(queries)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
