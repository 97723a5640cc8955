"""The content version lives in the database: a change made in one process is seen by every other."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from lessons import documents

ROOT = Path(__file__).resolve().parents[2]

# An app process with its own local-memory cache, driven over stdin: "get" fetches /api/matrix.json
# (prints its ETag and layer names), "edit" adds a layer and records the change as the admin does.
WORKER = """
import json, sys
import django
django.setup()
from django.test import Client
from lessons import documents
from lessons.models import Layer
client = Client()
for line in sys.stdin:
    if line.strip() == "edit":
        Layer.objects.create(slug="edge", name="Edge locations", order=99, description="Added in one worker.")
        documents.content_changed()
        print("{}", flush=True)
    else:
        response = client.get("/api/matrix.json")
        layers = [x["name"] for x in response.json()["layers"]]
        print(json.dumps({"etag": response.headers["ETag"], "layers": layers}), flush=True)
"""


def database_url(tmp_path) -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database is in memory: copy it to a file both worker processes can open.
        path = tmp_path / "shared.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(path)])
        return f"sqlite:///{path}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or 'localhost'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


class Worker:
    def __init__(self, url: str):
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "srm_site.settings"}
        env.pop("REDIS_URL", None)  # each process gets its own local-memory cache: the hard case
        env.setdefault("DJANGO_SECRET_KEY", "test-only")
        env["DJANGO_ALLOWED_HOSTS"] = "testserver"
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_an_edit_in_one_process_changes_the_etag_in_every_process(tmp_path):
    from .factories import LayerFactory

    LayerFactory(name="Physical", slug="physical", order=1)
    documents.content_changed()
    url = database_url(tmp_path)
    editor, reader = Worker(url), Worker(url)
    try:
        before = reader.send("get")
        assert editor.send("get") == before  # both processes now hold the export in their own cache
        editor.send("edit")
        after = reader.send("get")
        assert after["etag"] != before["etag"]
        assert after["layers"] == ["Physical", "Edge locations"]
        assert editor.send("get") == after
    finally:
        editor.close()
        reader.close()


@pytest.mark.django_db
def test_content_version_changes_on_every_write_and_is_one_query(django_assert_num_queries):
    first = documents.content_version()
    documents.content_changed()
    second = documents.content_version()
    documents.content_changed()
    with django_assert_num_queries(1):
        third = documents.content_version()
    assert first < second < third


def test_release_changes_when_a_template_changes(settings, tmp_path):
    from lessons import caching

    settings.BASE_DIR = tmp_path
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>one</p>")
    before = caching._release()
    assert caching._release() == before
    page.write_text("<p>two, longer</p>")
    assert caching._release() != before


def test_a_new_release_builds_content_fragments_and_cached_values_afresh(rf, monkeypatch, db):
    """Redis outlives a deploy: a fragment or value cached under the same content version by the old code
    (another markup, another shape) must not be served by the new one."""
    from lessons import caching

    built = []

    def build():
        built.append(caching.RELEASE)
        return len(built)

    request = rf.get("/")
    assert caching.cached(request, "probe", build) == caching.cached(request, "probe", build) == 1
    before = str(caching.content_version(rf.get("/"))["content_version"])
    monkeypatch.setattr(caching, "RELEASE", "next-release")
    assert caching.cached(request, "probe", build) == 2
    after = str(caching.content_version(rf.get("/"))["content_version"])
    assert after != before and after.endswith("next-release")
