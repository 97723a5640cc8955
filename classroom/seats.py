"""Which seat a browser holds: a signed cookie naming the session and the seat, never a form field.

The cookie is signed with Django's TimestampSigner under its own salt, so both the views and the WSGI poll
shortcut (classroom/polling.py) can check it without a request object, a session or the database.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

COOKIE = "classroom_seat"
MAX_AGE = 12 * 60 * 60
_signer = signing.TimestampSigner(salt="classroom.seat")


def cookie_value(session_id, seat_id: int) -> str:
    return _signer.sign(f"{session_id}:{seat_id}")


def seat_id(value: str | None, session_id) -> int | None:
    """The seat id the cookie holds for this session; None when absent, forged, expired or for another class."""
    if not value:
        return None
    try:
        unsigned = _signer.unsign(value, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    session_part, _, seat_part = unsigned.partition(":")
    if session_part != str(session_id) or not seat_part.isdigit():
        return None
    return int(seat_part)


def seat_response(response: HttpResponse, session_id, seat_id_: int) -> HttpResponse:
    response.set_cookie(
        COOKIE,
        cookie_value(session_id, seat_id_),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
