"""The phones' poll, answered before Django's middleware when this process already knows the answer.

A class of 1,000 phones polls 1,000 times a second, and almost every answer is "nothing changed" (204). After
a change (next question, reveal) every phone fetches its new card within a second or two. The view gives the
same answers, but Django's request handling and middleware cost about half a millisecond each time on top of
the view's own work; this WSGI wrapper answers from the signed seat cookie, the cached pulse, the room and
seat this process already holds (classroom/state.py), one indexed read of the seat's answer and the room's
shared card rendering (classroom/cards.py). Anything it is unsure of (no cookie, a cache miss, a timer that
ran out, a room or seat this process has not read yet, no CSRF cookie, a database error) goes on to the
view, which stays the authority.

A card's response headers are the ones Django's middleware gave the last card the view served in this
process (security headers, CSP, Vary), without its cookies: until the view has served one, cards go to the
view. The CSRF cookie is not re-sent (Django re-sends it only to renew a year-long expiry).
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from django.conf import settings
from django.db import DatabaseError
from django.middleware import csrf
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.text import compress_string

from srm_site import csrf_tokens

from . import cards, seats, state

POLL_PATH = re.compile(r"^/classroom/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/play/$")
NOT_MODIFIED = [("Cache-Control", "no-store"), ("Vary", "HX-Request, Cookie"), ("Content-Length", "0")]
# Headers of the last card the view served (per process), without those that belong to one response.
PER_RESPONSE = frozenset({"set-cookie", "content-length", "content-encoding"})
_card_headers: list[tuple[str, str]] = []


class Poll:
    """An htmx poll of a seated phone: its class, seat, the version it shows and its cookies."""

    def __init__(self, environ: dict):
        self.session_id = self.seat_id = None
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_HX_REQUEST") != "true":
            return
        match = POLL_PATH.match(environ.get("PATH_INFO", ""))
        if match is None:
            return
        query = parse_qs(environ.get("QUERY_STRING", ""))
        self.shown, self.answered = query.get("v", [""])[0], query.get("a", [""])[0]
        if not self.shown:
            return
        self.cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        morsel = self.cookies.get(seats.COOKIE)
        self.seat_id = seats.seat_id(morsel.value if morsel else None, match.group(1))
        if self.seat_id is not None:
            self.session_id = match.group(1)

    def csrf_secret(self) -> str | None:
        morsel = self.cookies.get(settings.CSRF_COOKIE_NAME)
        token = morsel.value if morsel else ""
        if len(token) == csrf.CSRF_SECRET_LENGTH and not csrf.invalid_token_chars_re.search(token):
            return token
        return None  # absent or an old masked cookie: the view deals with it


def answer(poll: Poll, environ: dict) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """(status, headers, body) for a poll this process can answer without Django, else None."""
    if poll.session_id is None:
        return None
    pulse = state.cached_pulse(poll.session_id)
    if pulse is None:
        return None
    if state.still_shown(pulse, poll.shown, poll.answered):
        return "204 No Content", NOT_MODIFIED, b""
    if pulse.timed_out() or not _card_headers:
        return None
    room = state.cached_room(poll.session_id, pulse.version)
    known = state.known_seat(poll.session_id, poll.seat_id)
    secret = poll.csrf_secret()
    if room is None or known is None or secret is None:
        return None
    seat = {**known, "removed": known["pk"] in room["removed"]}
    try:
        found = state.answer_of(seat["pk"], room["item"]["id"]) if room["item"] else None
    except DatabaseError:
        return None  # Django's handler checks the connection and answers
    mine = cards.Mine(*found) if found else None
    card = cards.play_card(
        poll.session_id, seat, room, mine, token=lambda: csrf_tokens.masked(secret)
    ).encode()
    headers = list(_card_headers)
    if re_accepts_gzip.search(environ.get("HTTP_ACCEPT_ENCODING", "")):
        # As GZipMiddleware does: random bytes in the gzip header, so that the length of a card (which holds a
        # CSRF token and the seat's rejoin code beside other seats' nicknames) leaks nothing (BREACH).
        card = compress_string(card, max_random_bytes=GZipMiddleware.max_random_bytes)
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Length", str(len(card))))
    return "200 OK", headers, card


def _remember_headers(start_response):
    """start_response for a card fetch going to the view: keeps the headers of a card it serves."""

    def remember(status, headers, exc_info=None):
        card = status.startswith("200") and not any(name.lower().startswith("hx-") for name, _ in headers)
        if card and dict(headers).get("Content-Type", "").startswith("text/html"):
            _card_headers[:] = [(name, value) for name, value in headers if name.lower() not in PER_RESPONSE]
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    return remember


def fast_polls(application):
    def wrapper(environ, start_response):
        poll = Poll(environ)
        found = answer(poll, environ)
        if found is not None:
            status, headers, body = found
            start_response(status, headers)
            return [body] if body else []
        if poll.session_id is not None:  # a card the view renders: keep its headers
            return application(environ, _remember_headers(start_response))
        return application(environ, start_response)

    return wrapper
