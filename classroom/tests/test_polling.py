import re
from io import BytesIO

import pytest
from django.core.cache import cache

from classroom import live, seats, state
from classroom.models import Seat
from classroom.polling import fast_polls

from .factories import SeatFactory, class_with_questions, move

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def downstream(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django"]


def poll(session, *, version=None, cookie=None, htmx=True, method="GET", path=None, answered=""):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path or f"/classroom/{session.pk}/play/",
        "QUERY_STRING": ("" if version is None else f"v={version}") + (f"&a={answered}" if answered else ""),
        "wsgi.input": BytesIO(),
    }
    if htmx:
        environ["HTTP_HX_REQUEST"] = "true"
    if cookie:
        environ["HTTP_COOKIE"] = f"{seats.COOKIE}={cookie}"
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = b"".join(fast_polls(downstream)(environ, start_response))
    return seen["status"], body


@pytest.fixture
def seated(db):
    session = class_with_questions(2)
    seat = SeatFactory(session=session)
    return session, seats.cookie_value(session.pk, seat.pk)


def test_an_unchanged_poll_by_a_seated_phone_is_answered_204_before_django(seated):
    session, cookie = seated
    version = state.pulse(session.pk).version
    assert poll(session, version=version, cookie=cookie) == ("204 No Content", b"")


@pytest.mark.parametrize(
    "changes",
    [
        {"version": 0},  # the phone shows an older version: Django renders the new card
        {"cookie": None},
        {"cookie": "forged:1"},
        {"htmx": False},
        {"method": "POST"},
        {"version": None},
        {"path": "/classroom/not-a-uuid/play/"},
    ],
)
def test_anything_else_goes_on_to_django(seated, changes):
    session, cookie = seated
    options = {"version": state.pulse(session.pk).version, "cookie": cookie} | changes
    assert poll(session, **options) == ("200 OK", b"django")


def test_a_cookie_for_another_class_goes_on_to_django(seated):
    session, _cookie = seated
    other = class_with_questions(1)
    cookie = seats.cookie_value(other.pk, SeatFactory(session=other).pk)
    assert poll(session, version=state.pulse(session.pk).version, cookie=cookie)[0] == "200 OK"


def test_after_a_change_the_old_version_goes_on_to_django(seated):
    session, cookie = seated
    version = state.pulse(session.pk).version
    live.advance(session, "start", version=session.version)
    assert poll(session, version=version, cookie=cookie)[0] == "200 OK"


def test_a_cache_miss_goes_on_to_django(seated):
    session, cookie = seated
    version = state.pulse(session.pk).version
    state.forget(session.pk)
    assert poll(session, version=version, cookie=cookie)[0] == "200 OK"


def test_with_a_shared_cache_each_process_keeps_the_pulse_a_quarter_second(
    db, settings, tmp_path, monkeypatch
):
    """With Redis every read costs a client and a round trip; a process reuses what it read for 0.25 s, so
    a change made by another process reaches its phones at most that much later."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        }
    }
    now = [1000.0]
    monkeypatch.setattr(state.time, "monotonic", lambda: now[0])
    room = class_with_questions(2)
    state.publish(room)
    assert state.cached_pulse(room.pk).version == room.version
    moved = move(room, "start")  # publishing here clears this process's memo at once
    assert state.cached_pulse(room.pk).version == moved.version
    elsewhere = state.Pulse(moved.version + 1, "closed", 1, None)
    cache.set(state.pulse_key(room.pk), elsewhere)  # another process's change
    assert state.cached_pulse(room.pk).version == moved.version
    now[0] += state.MEMO_SECONDS
    assert state.cached_pulse(room.pk) == elsewhere
    state.forget(room.pk)


def test_closing_answers_costs_no_fetch_for_phones_that_answered_but_the_reveal_does(client, db):
    """An answered phone shows the same card while answers close (it polls with a=<question>), so after the
    close only the phones that did not answer fetch; after the reveal every phone does. Same in the view."""
    room = move(class_with_questions(2), "start")
    ada = Seat.objects.select_related("session").get(pk=live.join(room, "Ada").pk)
    cookie = seats.cookie_value(room.pk, ada.pk)
    client.cookies[seats.COOKIE] = cookie
    card = client.post(f"/classroom/{room.pk}/play/answer/", {"position": 1, "choice": "AWS"}, headers=HTMX)
    assert f"?v={room.version}&amp;a=1" in card.content.decode()  # the URL the phone polls next
    closed = move(room, "close")
    assert poll(room, version=room.version, cookie=cookie, answered=1)[0] == "204 No Content"
    assert poll(room, version=room.version, cookie=cookie)[0] == "200 OK"  # not answered: fetch
    url = f"/classroom/{room.pk}/play/?v={room.version}"
    assert client.get(f"{url}&a=1", headers=HTMX).status_code == 204
    assert client.get(f"{url}&a=2", headers=HTMX).status_code == 200  # another question: fetch
    move(closed, "reveal")
    assert poll(room, version=room.version, cookie=cookie, answered=1)[0] == "200 OK"
    assert "Not this time" in client.get(f"{url}&a=1", headers=HTMX).content.decode()


def test_a_changed_card_is_served_before_django_once_this_process_knows_the_room_and_seat(
    db, django_assert_num_queries
):
    """After a change every phone fetches its card: once this process has served a card through the view
    (its headers), holds the room at this version and the seat, the wrapper answers with the same bytes and
    headers the view gives, apart from the fresh CSRF token, at the cost of one indexed read."""
    from django.core import signals
    from django.middleware import csrf

    from srm_site.wsgi import application
    from tests.test_pagecache import call, environ, normalised, text

    room = move(class_with_questions(2), "start")
    ada = live.join(room, "Ada")
    secret = csrf._get_new_csrf_string()

    def fetch(*, csrf_cookie=True):
        env = environ(f"/classroom/{room.pk}/play/?v=1", **HTMX, accept_encoding="gzip")
        env["HTTP_COOKIE"] = f"{seats.COOKIE}={seats.cookie_value(room.pk, ada.pk)}" + (
            f"; csrftoken={secret}" if csrf_cookie else ""
        )
        started = []
        signals.request_started.connect(receiver := lambda **kwargs: started.append(1))
        try:
            status, headers, body = call(application, env)
        finally:
            signals.request_started.disconnect(receiver)
        return bool(started), status, headers, text(headers, body)

    by_django, status, headers, body = fetch()
    assert by_django and status == "200 OK" and 'name="choice"' in body
    with django_assert_num_queries(1):
        by_django, status, fast_headers, fast_body = fetch()
    assert not by_django and status == "200 OK"
    fast = normalised(fast_headers, fast_body)
    view = normalised([h for h in headers if h[0] != "Set-Cookie"], body)
    assert fast == view
    token = re.search(r'csrfmiddlewaretoken" value="(\w+)"', fast_body).group(1)
    assert csrf._unmask_cipher_token(token) == secret  # a valid token for this phone's CSRF cookie
    assert fetch(csrf_cookie=False)[0]  # no CSRF cookie: the view sets one


def test_a_card_served_before_django_is_gzipped_with_random_padding_as_django_does(db):
    """A card holds a CSRF token and the seat's rejoin code beside nicknames other learners chose: compressed
    without GZipMiddleware's random padding, its length could leak them (BREACH)."""
    import gzip

    from django.core import signals
    from django.middleware import csrf

    from srm_site.wsgi import application
    from tests.test_pagecache import call, environ

    room = move(class_with_questions(2), "start")
    ada = live.join(room, "Ada")
    env = environ(f"/classroom/{room.pk}/play/?v=1", **HTMX, accept_encoding="gzip")
    env["HTTP_COOKIE"] = (
        f"{seats.COOKIE}={seats.cookie_value(room.pk, ada.pk)}; csrftoken={csrf._get_new_csrf_string()}"
    )
    call(application, dict(env))  # the view serves the first card; this process keeps its headers
    bodies, started = [], []
    signals.request_started.connect(receiver := lambda **kwargs: started.append(1))
    try:
        responses = [call(application, dict(env)) for _ in range(8)]
    finally:
        signals.request_started.disconnect(receiver)
    assert not started  # served before Django
    for status, headers, body in responses:
        assert status == "200 OK" and ("Content-Encoding", "gzip") in headers
        assert body[3] & gzip.FNAME  # the padding travels as a random file name in the gzip header
        bodies.append(body)
    assert len({len(body) for body in bodies}) > 1
