"""CSRF secrets and masked tokens as Django's CsrfViewMiddleware makes them, drawn faster.

Django draws each of a token's 32 characters with its own `secrets.choice` call. The page cache and the
classroom's card path make a secret and a masked token for responses they serve before Django runs, where
that drawing was a third of a cached lesson page's CPU. These draw from the same distribution (uniform over
CSRF_ALLOWED_CHARS, from the operating system's random source, rejecting the bytes that would bias it) in one
read, and mask as Django does, so Django's middleware accepts them (tested).
"""

import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_COUNT = len(CSRF_ALLOWED_CHARS)
_UNBIASED = 256 - 256 % _COUNT  # bytes from here up would make the first characters likelier
_TO_CHAR = bytes(ord(CSRF_ALLOWED_CHARS[byte % _COUNT]) if byte < _UNBIASED else 0 for byte in range(256))
_BIASED = bytes(range(_UNBIASED, 256))
_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}


def new_secret() -> str:
    """A new CSRF secret, as `django.middleware.csrf._get_new_csrf_string()`."""
    drawn = b""
    while len(drawn) < CSRF_SECRET_LENGTH:
        drawn += os.urandom(CSRF_SECRET_LENGTH + 8).translate(_TO_CHAR, _BIASED)
    return drawn[:CSRF_SECRET_LENGTH].decode()


def masked(secret: str) -> str:
    """The secret masked for one response, as `django.middleware.csrf._mask_cipher_secret()`."""
    mask = new_secret()
    return mask + "".join(
        CSRF_ALLOWED_CHARS[(_INDEX[s] + _INDEX[m]) % _COUNT] for s, m in zip(secret, mask, strict=True)
    )


def get_token(request) -> str:
    """`django.middleware.csrf.get_token()`, masked by `masked()`: a new masked token for this response, the
    request's secret (a new one if it has none) marked for CsrfViewMiddleware to send as the cookie."""
    if "CSRF_COOKIE" in request.META:
        secret = request.META["CSRF_COOKIE"]
    else:
        secret = request.META["CSRF_COOKIE"] = new_secret()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return masked(secret)
