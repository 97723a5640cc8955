"""The page cache (srm_site/pagecache.py): a stored page is the page Django would have sent, byte for byte
apart from the per-response nonce and CSRF token, and nothing per visitor is ever stored or repeated."""

import gzip
import re

import pytest
from django.core import signals
from django.db import close_old_connections
from django.middleware import csrf
from django.test import Client, RequestFactory

from lessons import documents
from srm_site import pagecache
from srm_site.wsgi import application, django_application

NONCE_RE = re.compile(r"nonce=\"([^\"]+)\"")
TOKEN_RE = re.compile(r"csrfmiddlewaretoken\" value=\"(\w+)\"|\"x-csrftoken\": \"(\w+)\"")


@pytest.fixture(autouse=True)
def empty_page_cache():
    pagecache.pages().clear()
    yield
    pagecache.pages().clear()


def environ(path: str, **headers) -> dict:
    env = RequestFactory().get(path, headers=headers).environ
    env["HTTP_HOST"] = "testserver"
    return env


def call(app, env: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request through the WSGI stack, as a server makes it. Like Django's test client, it keeps the
    test's database connection: a real request closes connections it finds inside a transaction, and on
    PostgreSQL that would close the one holding the test's transaction."""
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = status, headers

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = app(env, start_response)
        try:
            body = b"".join(response)
        finally:
            if hasattr(response, "close"):
                response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return got["status"], got["headers"], body


def text(headers: list, body: bytes) -> str:
    return (gzip.decompress(body) if ("Content-Encoding", "gzip") in headers else body).decode()


def cookie_secret(headers: list) -> str | None:
    for name, value in headers:
        if name == "Set-Cookie" and value.strip().startswith("csrftoken="):
            return value.strip().split(";")[0].split("=", 1)[1]
    return None


def normalised(headers: list, body: str) -> tuple[dict, str]:
    """Headers and body with the values Django makes afresh for each response blanked out."""
    named = {}
    for name, value in headers:
        if name == "Set-Cookie":
            value = re.sub(r"csrftoken=\w+|expires=[^;]+", "<fresh>", value)
        named.setdefault(name.lower(), []).append(re.sub(r"'nonce-[^']+'", "'nonce-<fresh>'", value))
    if "content-length" in named:
        named["content-length"] = ["<length>"]  # compressed sizes differ (Django pads its gzip)
    body = NONCE_RE.sub('nonce="<fresh>"', body)
    body = re.sub(r"(csrfmiddlewaretoken\" value=\"|\"x-csrftoken\": \")\w+", r"\1<fresh>", body)
    return named, body


PAGES = [
    ("/", {}),
    ("/privacy/", {}),
    ("/join/", {}),  # a form: CSRF token
    ("/matrix/", {}),
    ("/matrix/present/", {}),
    ("/services/", {}),
    ("/services/ec2/", {}),
    ("/services/ec2/present/", {}),
    ("/compare/?services=ec2&services=rds", {}),
    ("/duties/?owner=Customer&layer=guest-os", {"HX-Request": "true"}),
    ("/misconceptions/", {}),
    ("/lessons/", {}),
    ("/lessons/core-split/", {}),  # a form: CSRF token
    ("/quizzes/", {}),  # a form: CSRF token
]


def test_every_stored_page_is_compared():
    from django.urls import resolve

    assert {resolve(path.split("?")[0]).view_name for path, _ in PAGES} == set(pagecache.PAGES)


@pytest.mark.parametrize("gzip_ok", [True, False], ids=["gzip", "identity"])
@pytest.mark.parametrize(("path", "headers"), PAGES, ids=[p for p, _ in PAGES])
def test_a_stored_page_is_the_page_django_sends(real_pack, path, headers, gzip_ok):
    if gzip_ok:
        headers = {**headers, "Accept-Encoding": "gzip, deflate, br"}
    assert pagecache.lookup(environ(path, **headers)) is None
    fresh = call(application, environ(path, **headers))  # rendered by Django, and stored
    assert pagecache.lookup(environ(path, **headers)) is not None
    stored = call(application, environ(path, **headers))
    rendered = call(django_application, environ(path, **headers))  # Django again, for comparison
    assert stored[0] == fresh[0] == "200 OK"
    assert (
        ("Content-Encoding", "gzip") in stored[1]
        if gzip_ok
        else ("Content-Encoding", "gzip") not in stored[1]
    )
    stored_headers, stored_body = normalised(stored[1], text(*stored[1:]))
    rendered_headers, rendered_body = normalised(rendered[1], text(*rendered[1:]))
    assert stored_headers == rendered_headers
    assert stored_body == rendered_body
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert any(n == name for n, _ in stored[1]), name
    length = dict(stored[1])["Content-Length"]
    assert int(length) == len(stored[2])


def test_each_stored_response_has_its_own_nonce_matching_its_header(real_pack):
    call(application, environ("/matrix/"))
    seen = set()
    for _ in range(2):
        _, headers, body = call(application, environ("/matrix/"))
        nonces = set(NONCE_RE.findall(body.decode()))
        assert len(nonces) == 1
        nonce = nonces.pop()
        assert f"'nonce-{nonce}'" in dict(headers)["Content-Security-Policy"]
        seen.add(nonce)
    assert len(seen) == 2


def test_a_stored_form_gets_a_token_for_this_visitors_secret_and_the_post_passes(real_pack):
    call(application, environ("/quizzes/"))
    _, headers, body = call(application, environ("/quizzes/"))  # a new visitor: a new secret, set as a cookie
    secret = cookie_secret(headers)
    tokens = {a or b for a, b in TOKEN_RE.findall(body.decode())}
    assert secret and tokens and all(csrf._unmask_cipher_token(t) == secret for t in tokens)

    returning = "x" * 32
    _, headers, body = call(application, environ("/quizzes/", Cookie=f"csrftoken={returning}"))
    tokens = {a or b for a, b in TOKEN_RE.findall(body.decode())}
    assert cookie_secret(headers) == returning  # renewed, as Django does for a page that used the token
    assert all(csrf._unmask_cipher_token(t) == returning for t in tokens)

    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = returning
    started = client.post(
        "/quizzes/start/", {"topic": "everything", "length": 5, "csrfmiddlewaretoken": tokens.pop()}
    )
    assert started.status_code == 302


@pytest.mark.parametrize(
    "headers",
    [
        {"Cookie": "sessionid=abc"},
        {"Cookie": "messages=abc"},
        {"Cookie": "csrftoken=not-a-valid-token"},
        {"Cookie": "classroom_seat=abc"},
    ],
    ids=["session", "messages", "malformed CSRF cookie", "classroom seat"],
)
def test_a_visitor_with_a_session_or_other_cookies_always_gets_django(real_pack, headers):
    call(application, environ("/matrix/"))
    assert pagecache.lookup(environ("/matrix/")) is not None
    assert pagecache.lookup(environ("/matrix/", **headers)) is None


def test_only_listed_pages_and_plain_gets_are_stored(real_pack):
    for path in ("/report/?about=service:ec2", "/accounts/login/", "/nowhere/", "/quizzes/history/"):
        call(application, environ(path))
        assert pagecache.lookup(environ(path)) is None, path
    call(application, environ("/matrix/"))
    post = environ("/matrix/")
    post["REQUEST_METHOD"] = "POST"
    assert pagecache.lookup(post) is None
    assert pagecache.lookup(environ("/matrix/", HX_Request="true")) is None  # another key


def test_a_content_change_is_seen_at_once(real_pack):
    call(application, environ("/matrix/"))
    assert pagecache.lookup(environ("/matrix/")) is not None
    documents.content_changed()
    assert pagecache.lookup(environ("/matrix/")) is None
    call(application, environ("/matrix/"))
    assert pagecache.lookup(environ("/matrix/")) is not None


def test_a_signed_in_learner_gets_their_own_page(real_pack, django_user_model):
    call(application, environ("/"))
    django_user_model.objects.create_user("ada", password="a-long-password-123")
    client = Client()
    client.login(username="ada", password="a-long-password-123")
    session = client.cookies["sessionid"].value
    _, _, body = call(application, environ("/", Cookie=f"sessionid={session}"))
    assert "Signed in as" in body.decode()


def test_debug_serves_nothing_from_the_page_cache(settings):
    settings.DEBUG = True
    app = object()
    assert pagecache.serve_pages(app) is app


# Visitors with a session: pages whose only per-learner part is the nav (LearnerPageMiddleware).

SHARED = [name for name, page in pagecache.PAGES.items() if not page.personal]
SHARED_PATHS = [
    "/privacy/",
    "/join/",
    "/matrix/",
    "/matrix/present/",
    "/services/",
    "/services/ec2/",
    "/services/ec2/present/",
    "/compare/?services=ec2&services=rds",
    "/duties/",
    "/misconceptions/",
    "/quizzes/",
]


def test_every_shared_page_is_checked():
    from django.urls import resolve

    assert sorted(resolve(path.split("?")[0]).view_name for path in SHARED_PATHS) == sorted(SHARED)


def learner_with_records(client, slug="core-split"):
    """A browser whose anonymous learner has done a lesson and started a quiz: it has a session."""
    client.get(f"/lessons/{slug}/")
    client.post(f"/lessons/{slug}/done/")
    client.post("/quizzes/start/", {"topic": "everything", "length": 5})
    client.get("/lessons/")  # shows (and so clears) the "marked as done" message
    assert "sessionid" in client.cookies
    return client


def fresh(body: str) -> str:
    return normalised([], body)[1]


@pytest.mark.parametrize("path", SHARED_PATHS)
def test_a_shared_page_shows_no_learners_records_below_the_nav(real_pack, path):
    """The guard: if one of these pages starts showing a learner's own records, mark it personal."""
    one = learner_with_records(Client(), "core-split")
    other = learner_with_records(Client(), "cheat-sheet")
    pagecache.pages().clear()
    first = one.get(path)
    pagecache.pages().clear()
    second = other.get(path)
    assert not hasattr(first, "_from_learner_page") and not hasattr(second, "_from_learner_page")
    assert fresh(first.content.decode()) == fresh(second.content.decode())


@pytest.mark.parametrize("path", ["/matrix/", "/quizzes/", "/compare/?services=ec2&services=rds"])
def test_a_learners_stored_page_is_the_page_django_renders(real_pack, path):
    client = learner_with_records(Client(enforce_csrf_checks=False))
    rendered = client.get(path)
    stored = client.get(path)
    assert stored._from_learner_page and not hasattr(rendered, "_from_learner_page")
    assert normalised(list(stored.items()), stored.content.decode()) == normalised(
        list(rendered.items()), rendered.content.decode()
    )
    if "csrfmiddlewaretoken" in stored.content.decode():
        tokens = {a or b for a, b in TOKEN_RE.findall(stored.content.decode())}
        assert all(csrf._unmask_cipher_token(t) == client.cookies["csrftoken"].value for t in tokens)
    nonce = NONCE_RE.search(stored.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in stored["Content-Security-Policy"]


def test_each_learner_sees_their_own_nav(real_pack, django_user_model):
    names = []
    for name in ("ada", "grace"):
        django_user_model.objects.create_user(name, password="a-long-password-123")
        client = Client()
        client.login(username=name, password="a-long-password-123")
        client.get("/matrix/")
        names.append((name, client.get("/matrix/")))
    anonymous = learner_with_records(Client())
    anonymous.get("/matrix/")
    for name, page in names:
        assert page._from_learner_page
        assert f"Signed in as <strong>{name}</strong>" in page.content.decode()
    assert "Signed in as" not in anonymous.get("/matrix/").content.decode()
    assert "ada" not in names[1][1].content.decode()


def test_a_message_waiting_for_the_learner_is_shown(real_pack):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    client = learner_with_records(Client())
    client.get("/quizzes/")
    assert client.get("/quizzes/")._from_learner_page
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode(
        [Message(constants.INFO, "Hello there")]
    )
    page = client.get("/quizzes/")
    assert not hasattr(page, "_from_learner_page")
    assert "Hello there" in page.content.decode()


def test_a_personal_page_is_always_rendered_for_a_learner(real_pack):
    client = learner_with_records(Client())
    client.get("/lessons/")
    page = client.get("/lessons/")
    assert not hasattr(page, "_from_learner_page")


# Review of the page cache (session 3).


def test_the_due_count_is_read_once_per_request_for_the_key_and_the_nav(real_pack, monkeypatch):
    """The count changes between two reads (its 60 s cache expired, or the learner answered in another tab):
    the page is stored under the count it shows, so no other learner gets a wrong badge."""
    from quizzes import review

    one = learner_with_records(Client(), "core-split")
    reads = iter(range(1, 100))
    monkeypatch.setattr(review, "due_count", lambda learner_id, now=None: 0 if next(reads) == 1 else 1)
    shown = '<span class="badge">' in one.get("/matrix/").content.decode()
    monkeypatch.setattr(review, "due_count", lambda learner_id, now=None: 0)
    other = learner_with_records(Client(), "cheat-sheet")
    page = other.get("/matrix/")
    assert '<span class="badge">' not in page.content.decode()
    assert not shown or not getattr(page, "_from_learner_page", False)
    for _ in range(2):  # a cookie-less visitor: a miss, then a hit
        _, headers, body = call(application, environ("/matrix/"))
        assert '<span class="badge">' not in text(headers, body)


def stored_keys() -> list[str]:
    return [key.split(":", 2)[2] for key in pagecache.pages()._cache]


def test_a_visitor_without_a_session_is_stored_once_and_a_learner_page_needs_a_session(real_pack):
    call(application, environ("/misconceptions/"))
    assert [key.split(":")[0] for key in stored_keys()] == ["page"]
    client = Client()
    client.get("/matrix/")  # no session cookie: rendered, never stored per learner
    assert not getattr(client.get("/matrix/"), "_from_learner_page", False)
    assert not any(key.startswith("learner-page:") for key in stored_keys())


@pytest.mark.parametrize(
    "path", ["/misconceptions/?flood=1", "/duties/?owner=Customer&x=1", "/compare/?services=ec2&z=1", "/?a=1"]
)
def test_a_query_the_page_does_not_know_is_never_stored(real_pack, path):
    call(application, environ(path))
    assert pagecache.lookup(environ(path)) is None
    client = learner_with_records(Client())
    pagecache.pages().clear()
    client.get(path)
    assert not getattr(client.get(path), "_from_learner_page", False)
    assert stored_keys() == []


def test_a_query_variant_is_kept_for_less_time_than_the_page(real_pack):
    import time

    call(application, environ("/duties/?owner=Customer&layer=guest-os"))
    call(application, environ("/duties/"))
    cache = pagecache.pages()
    expiry = {
        path: cache._expire_info[cache.make_key(pagecache.key_for(environ(path)))] - time.time()
        for path in ("/duties/?owner=Customer&layer=guest-os", "/duties/")
    }
    assert expiry["/duties/?owner=Customer&layer=guest-os"] <= pagecache.QUERY_TIMEOUT
    assert expiry["/duties/"] > pagecache.QUERY_TIMEOUT


@pytest.mark.parametrize(
    ("env", "backend", "location"),
    [
        ({"REDIS_URL": "redis://cache:6379/0"}, "locmem.LocMemCache", "pages"),
        (
            {"REDIS_URL": "redis://cache:6379/0", "PAGE_CACHE_URL": "redis://pages:6379/0"},
            "redis.RedisCache",
            "redis://pages:6379/0",
        ),
    ],
    ids=["default Redis", "PAGE_CACHE_URL"],
)
def test_the_page_cache_never_shares_the_default_redis(env, backend, location):
    """A flood of page variants must not fill the Redis that holds live classes and throttles."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "from srm_site import settings as s; import json; print(json.dumps(s.CACHES['pages'], default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "PAGE_CACHE_URL", "DJANGO_DEBUG")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "DJANGO_SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    pages = json.loads(done.stdout)
    assert pages["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert pages["LOCATION"] == location


def test_a_reflected_value_that_looks_like_a_token_is_never_a_hole(real_pack):
    """The requester picks the CSRF secret: a query value that unmasks to it must not become a slot that
    later visitors get their own token in."""
    import secrets
    import string

    reflected = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
    secret = csrf._unmask_cipher_token(reflected)
    path = f"/join/?code={reflected}"
    for _ in range(2):
        call(application, environ(path, Cookie=f"csrftoken={secret}"))
    _, headers, body = call(application, environ(path))
    assert reflected in text(headers, body)


def test_every_setting_a_page_shows_changes_the_release(settings):
    before = pagecache._release()
    settings.SECRET_KEY = "another secret"  # secrets are left out
    assert pagecache._release() == before
    settings.CLASSROOM_RETENTION_DAYS += 1  # the privacy page shows it
    assert pagecache._release() != before


@pytest.mark.parametrize("size", [0, 1, 7, 4096, 100_000])
def test_a_segments_crc_after_any_start_is_zlibs(size):
    import os
    import random
    import zlib

    segment = os.urandom(size)
    crc = pagecache._Crc(segment)
    for start in [0, 1, 0xFFFFFFFF, *(random.getrandbits(32) for _ in range(20))]:
        assert crc.after(start) == zlib.crc32(segment, start)
