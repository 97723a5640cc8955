"""Whole pages for visitors without a session, answered before Django's handler.

Most visitors read without an account, and for them a content page is the same bytes every time, except
two values Django makes afresh per response: the CSP nonce and the masked CSRF token. Rendering such a
page costs 2-15 ms of templates and middleware; this serves it in a fraction of a millisecond.

- `PageCacheMiddleware` (first in MIDDLEWARE, so it sees the response exactly as the client would) stores
  a page after Django rendered it normally: the status, every header, and the body cut at the nonce and
  token values ("holes"), gzipped once per segment.
- `serve_pages` (a WSGI wrapper, srm_site/wsgi.py) answers a later identical request from the entry with
  a fresh nonce and a freshly masked token for the visitor's CSRF secret (and the CSRF cookie Django
  would set), without Django's handler, middleware, session or view.

Only pages named in PAGES are stored, only for GETs whose cookies are all in IGNORED_COOKIES (no session,
no messages) and whose query names only parameters the page reads (`Page.query`), only when the response is a 200 that sets no cookie but the CSRF one and varies on nothing
outside the key. The key is the release (code, templates, static manifest, settings), the scheme, host,
path, raw query and HX-Request; an entry of a page built from the content also holds the content version
(lessons.ContentVersion) it was built under, checked with one primary-key read per hit. With
DJANGO_DEBUG=1 nothing is stored or served, so edits show at once. A page with a query string is kept
QUERY_TIMEOUT, not a day: there are many variants, and CACHES["pages"] is bounded (settings.py).
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
import sys
import time
import zlib
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl

import django
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.middleware import csrf
from django.middleware.gzip import re_accepts_gzip
from django.utils.functional import SimpleLazyObject
from django.utils.http import http_date

from lessons import caching, documents

from . import csrf_tokens


class Page(NamedTuple):
    content: bool  # built from the content: a hit checks the content version
    personal: bool  # shows the learner's own records below the nav (so a session always renders it)
    query: frozenset[str] = frozenset()  # the query parameters the view reads: any other is never stored


CONTENT, PERSONAL = Page(True, False), Page(True, True)
# The pages stored, by URL name. A page not named here is never stored.
PAGES = {
    "home": Page(False, True),
    "privacy": Page(False, False),
    "classroom:join": Page(False, False, frozenset({"code"})),
    "lessons:lesson_list": PERSONAL,
    "lessons:lesson_detail": PERSONAL,
    "lessons:category_matrix": CONTENT,
    "lessons:category_matrix_present": CONTENT,
    "lessons:service_list": CONTENT,
    "lessons:service_detail": CONTENT,
    "lessons:service_present": CONTENT,
    "lessons:compare": CONTENT._replace(query=frozenset({"services", "present"})),
    "lessons:duty_list": CONTENT._replace(
        query=frozenset({"q", "owner", "layer", "category", "service", "page"})
    ),
    "lessons:misconception_list": CONTENT,
    "quizzes:quiz_setup": CONTENT._replace(query=frozenset({"topic", "length"})),
}
# How long a page with a query string is kept (a page without one: caching.TIMEOUT).
QUERY_TIMEOUT = 10 * 60
# A request carrying any other cookie (session, messages, a classroom seat) goes to Django.
IGNORED_COOKIES = frozenset({settings.CSRF_COOKIE_NAME})
# Request headers the stored pages may vary on: each is part of the key (Accept-Encoding picks the body).
KEY_HEADERS = ("HTTP_HX_REQUEST",)
VARY_ALLOWED = frozenset({"cookie", "accept-encoding", "hx-request"})
NONCE, TOKEN = "nonce", "token"
TOKEN_RE = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % csrf.CSRF_TOKEN_LENGTH)
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


# Settings left out of the release: secrets, and where the data lives (no page shows them).
UNSHAPING = re.compile(r"SECRET|PASSWORD|DATABASES|CACHES|_URL$|^SETTINGS_MODULE$")


def _release() -> str:
    """Changes with any code, template, static file or setting (a page may show any, as the privacy page
    shows CLASSROOM_RETENTION_DAYS), read at start-up."""
    root = settings.BASE_DIR
    packages = [d for d in root.iterdir() if (d / "__init__.py").is_file()]
    files = sorted(f for d in packages for f in d.rglob("*.py"))
    files += [Path(settings.STATIC_ROOT) / "staticfiles.json", root / "requirements.txt"]
    stamp = "".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns};" for f in files if f.is_file())
    shaping = [
        (name, getattr(settings, name, None))
        for name in sorted(dir(settings))
        if name.isupper() and not UNSHAPING.search(name)
    ]
    stamp += caching.RELEASE + django.__version__ + sys.version + repr(shaping)
    return hashlib.md5(stamp.encode(), usedforsecurity=False).hexdigest()[:16]


RELEASE = _release()


def pages():
    return caches["pages"]


def stored_query(page: Page, query_string: str) -> bool:
    """Whether a page with this query string may be stored: only parameters the view reads."""
    return not query_string or all(
        name in page.query for name, _ in parse_qsl(query_string, keep_blank_values=True)
    )


def timeout(query_string: str) -> int:
    return QUERY_TIMEOUT if query_string else caching.TIMEOUT


def csrf_token(request) -> dict:
    """Context processor in place of Django's built-in `csrf` one (the same lazy token), which also records
    the tokens made for this response: only those are holes in a stored page (`_cut`)."""

    def token():
        value = csrf_tokens.get_token(request)
        request.__dict__.setdefault("_csrf_tokens", set()).add(value)
        return value

    return {"csrf_token": SimpleLazyObject(token)}


def key_for(environ: dict) -> str | None:
    """The entry's key for this request, or None when it must go to Django."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return None
    host = environ.get("HTTP_HOST")
    if not host:
        return None
    if cookie := environ.get("HTTP_COOKIE"):
        cookies = parse_cookie(cookie)
        if not cookies.keys() <= IGNORED_COOKIES:
            return None
        if (token := cookies.get(settings.CSRF_COOKIE_NAME)) is not None:
            try:
                csrf._check_token_format(token)
            except csrf.InvalidTokenFormat:
                return None  # Django replaces a malformed CSRF cookie on any page
    proxy = settings.SECURE_PROXY_SSL_HEADER
    parts = [
        RELEASE,
        environ.get("wsgi.url_scheme", ""),
        environ.get(proxy[0], "") if proxy else "",
        host,
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        *(environ.get(name, "") for name in KEY_HEADERS),
    ]
    digest = hashlib.md5("\n".join(parts).encode("utf-8", "surrogateescape"), usedforsecurity=False)
    return f"page:{digest.hexdigest()}"


def _deflate(data: bytes, *, last: bool) -> bytes:
    """A raw deflate segment that needs nothing before it; byte-aligned and not final unless `last`."""
    # Level 9: a stored page is compressed once and sent many times (each byte costs the server and client).
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return squeeze.compress(data) + squeeze.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def _stored(data: bytes) -> bytes:
    """`data` as a stored (uncompressed) deflate block: a per-response value is never compressed."""
    return b"\x00" + struct.pack("<HH", len(data), 0xFFFF ^ len(data)) + data


class _Crc:
    """A segment's CRC-32 after any CRC so far, without reading the segment again: the CRC is affine in the
    value it starts from, so crc32(segment, start) = crc32(segment) XOR the starting bits' columns, kept here
    (a 100 KB page's CRC was a tenth of its CPU; zlib's crc32_combine is not in Python's zlib)."""

    __slots__ = ("alone", "columns")

    def __init__(self, segment: bytes):
        self.alone = zlib.crc32(segment)
        self.columns = tuple(zlib.crc32(segment, 1 << bit) ^ self.alone for bit in range(32))

    def __getstate__(self):
        return self.alone, self.columns

    def __setstate__(self, state):
        self.alone, self.columns = state

    def after(self, start: int) -> int:
        crc, bit = self.alone, 0
        while start:
            if start & 1:
                crc ^= self.columns[bit]
            start >>= 1
            bit += 1
        return crc


class Entry:
    """A stored page: body segments with a hole (NONCE or TOKEN) between each two."""

    __slots__ = ("version", "status", "headers", "segments", "deflated", "crcs", "holes", "csp", "gzip")

    def __init__(self, version, status, headers, segments, holes, csp, gzip, *, crcs=True):
        self.version, self.status, self.headers = version, status, headers
        self.segments, self.holes, self.csp, self.gzip = segments, holes, csp, gzip
        last = len(segments) - 1
        self.deflated = [_deflate(s, last=i == last) for i, s in enumerate(segments)] if gzip else None
        # Worth it for a page served many times (33 passes over each segment, once); quizzes/fast.py's
        # entries take the CRC of the whole body instead.
        self.crcs = [_Crc(s) for s in segments] if gzip and crcs else None

    def __getstate__(self):
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state):
        for name, value in zip(self.__slots__, state, strict=True):
            setattr(self, name, value)

    def respond(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        values = {}
        if NONCE in self.holes or self.csp:
            from django.utils.csp import generate_nonce

            values[NONCE] = generate_nonce().encode()
        cookie = None
        if TOKEN in self.holes:
            secret = self._secret(environ)
            values[TOKEN] = csrf_tokens.masked(secret).encode()
            cookie = _csrf_cookie(secret)
        fills = [values[hole] for hole in self.holes]
        headers = list(self.headers)
        for i in self.csp:
            headers[i] = (headers[i][0], headers[i][1].replace("{nonce}", values[NONCE].decode()))
        if self.gzip and re_accepts_gzip.search(environ.get("HTTP_ACCEPT_ENCODING", "")):
            crc, parts = 0, [GZIP_HEADER]
            for segment, deflated, fill in zip(self.crcs, self.deflated, [*fills, b""], strict=True):
                crc = zlib.crc32(fill, segment.after(crc))
                parts += [deflated, _stored(fill)] if fill else [deflated]
            size = sum(map(len, self.segments)) + sum(map(len, fills))
            parts.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
            body = b"".join(parts)
            headers.append(("Content-Encoding", "gzip"))
        else:
            body = self.join(fills)
        headers.append(("Content-Length", str(len(body))))
        if cookie:
            headers.append(("Set-Cookie", cookie))
        return self.status, headers, body

    def join(self, fills: list[bytes]) -> bytes:
        return b"".join(p for pair in zip(self.segments, [*fills, b""], strict=True) for p in pair)

    @staticmethod
    def _secret(environ: dict) -> str:
        cookie = environ.get("HTTP_COOKIE")
        token = parse_cookie(cookie).get(settings.CSRF_COOKIE_NAME) if cookie else None
        if token is None:
            return csrf_tokens.new_secret()
        if len(token) == csrf.CSRF_TOKEN_LENGTH:  # as Django reads cookies set before 4.0
            return csrf._unmask_cipher_token(token)
        return token


def _csrf_cookie(secret: str) -> str:
    """The Set-Cookie value CsrfViewMiddleware gives a response that used the token: Django's own, made
    once per cookie setting with places for the secret and the expiry (an HttpResponse per request cost a
    tenth of a fast page)."""
    shape = _csrf_cookie_shape(
        settings.CSRF_COOKIE_NAME,
        settings.CSRF_COOKIE_AGE,
        settings.CSRF_COOKIE_DOMAIN,
        settings.CSRF_COOKIE_PATH,
        settings.CSRF_COOKIE_SECURE,
        settings.CSRF_COOKIE_HTTPONLY,
        settings.CSRF_COOKIE_SAMESITE,
    )
    expires = http_date(time.time() + settings.CSRF_COOKIE_AGE) if settings.CSRF_COOKIE_AGE else ""
    return shape.replace(SECRET_PLACE, secret).replace("{expires}", expires)


SECRET_PLACE = "csrfSecretGoesHere"  # cookie-safe characters: SimpleCookie would quote braces


@functools.cache
def _csrf_cookie_shape(name, age, domain, path, secure, httponly, samesite) -> str:
    response = HttpResponse()
    response.set_cookie(
        name,
        SECRET_PLACE,
        max_age=age,
        domain=domain,
        path=path,
        secure=secure,
        httponly=httponly,
        samesite=samesite,
    )
    return re.sub(r"expires=[^;]+", "expires={expires}", response.cookies[name].OutputString())


def lookup(environ: dict):
    """(status, headers, body) for a stored page, or None."""
    key = key_for(environ)
    if key is None:
        return None
    entry = pages().get(key)
    if entry is None:
        return None
    if entry.version is not None:
        try:
            if documents.content_version() != entry.version:
                return None
        except Exception:  # a broken connection: Django's handler reconnects and answers
            return None
    return entry.respond(environ)


def serve_pages(application):
    """WSGI wrapper answering stored pages before Django (a no-op with DEBUG on)."""
    if settings.DEBUG:
        return application

    def wrapper(environ, start_response):
        hit = lookup(environ)
        if hit is None:
            return application(environ, start_response)
        status, headers, body = hit
        start_response(status, headers)
        return [body]

    return wrapper


class PageCacheMiddleware:
    """Store a page named in PAGES that a visitor without a session got, for `serve_pages` to repeat."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = not settings.DEBUG

    def __call__(self, request):
        key = key_for(request.META) if self.enabled else None
        if key is None:
            return self.get_response(request)
        response = self.get_response(request)
        match = request.resolver_match
        page = PAGES.get(match.view_name) if match else None
        query = request.META.get("QUERY_STRING", "")
        if page is None or not stored_query(page, query):
            return response
        version = caching.version(request) if page.content else None
        entry = _entry(request, response, version)
        if entry is not None:
            pages().set(key, entry, timeout(query))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Read the content version before the view reads any content: a page is never stored under a
        version newer than what it shows (memoised, so pages that read it anyway make no extra query)."""
        page = PAGES.get(request.resolver_match.view_name)
        if self.enabled and page and page.content and key_for(request.META):
            caching.version(request)


def _cut(request, body: bytes, *, token_used: bool) -> tuple[list[bytes], list[str]] | None:
    """The body's segments around this response's nonce and CSRF tokens, and which is which; None if the
    token was used but cannot be found, or something else in the body unmasks to the visitor's secret (the
    visitor picks the secret: a value reflected from the query would become a slot for later visitors'
    tokens). Only tokens the `csrf_token` context processor made for this response are holes."""
    holes: dict[bytes, str] = {}
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:  # generated, so in the page or the header
        holes[str(nonce).encode()] = NONCE
    if token_used:
        made = {token.encode() for token in getattr(request, "_csrf_tokens", ())}
        secret = request.META["CSRF_COOKIE"]
        for candidate in set(TOKEN_RE.findall(body)):
            if candidate in made:
                holes[candidate] = TOKEN
            elif csrf._unmask_cipher_token(candidate.decode()) == secret:
                return None
        if TOKEN not in holes.values():
            return None
    if not holes:
        return [body], []
    pieces = re.split(b"(" + b"|".join(re.escape(h) for h in holes) + b")", body)
    return pieces[0::2], [holes[h] for h in pieces[1::2]]


def _entry(request, response, version) -> Entry | None:
    if response.status_code != 200 or response.streaming:
        return None
    # For a request with no CSRF cookie or a well-formed one, Django sets the cookie only when the page
    # used the token (and clears CSRF_COOKIE_NEEDS_UPDATE once it has).
    cookies = set(response.cookies)
    token_used = settings.CSRF_COOKIE_NAME in cookies
    if cookies - {settings.CSRF_COOKIE_NAME} or (token_used and settings.CSRF_USE_SESSIONS):
        return None
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= VARY_ALLOWED or "no-store" in response.get("Cache-Control", ""):
        return None
    body = response.content
    gzipped = response.get("Content-Encoding") == "gzip"
    if gzipped:
        body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
    elif response.has_header("Content-Encoding"):
        return None
    cut = _cut(request, body, token_used=token_used)
    if cut is None:
        return None
    nonce = str(request._csp_nonce) if getattr(request, "_csp_nonce", None) else None
    headers, csp = [], []
    for name, value in response.items():
        if name.lower() in ("content-length", "content-encoding"):
            continue
        if nonce and nonce in value:
            if not name.lower().startswith("content-security-policy"):
                return None
            csp.append(len(headers))
            value = value.replace(nonce, "{nonce}")
        headers.append((name, value))
    # Django's GZipMiddleware compresses any body of 200 bytes or more; keep the same rule.
    can_gzip = gzipped or (len(body) >= 200 and "accept-encoding" in vary)
    status = f"{response.status_code} {response.reason_phrase}"
    return Entry(version, status, headers, *cut, csp, can_gzip)


class LearnerPageMiddleware:
    """A page named in PAGES that is not `personal`, for a visitor with a session: only the nav differs
    from one learner to the next, so the view's response is stored per what the nav shows (signed in as
    whom, how many reviews due) and filled with this response's nonce and CSRF token. Last in
    MIDDLEWARE: sessions, auth, CSRF, messages and CSP run as for any page, around it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = not settings.DEBUG

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_learner_page_key", None)
        if key and not getattr(response, "_from_learner_page", False):
            entry = self._entry(request, response)
            if entry is not None:
                pages().set(key, entry, timeout(request.META.get("QUERY_STRING", "")))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        page = PAGES.get(request.resolver_match.view_name)
        if not self.enabled or page is None or page.personal or request.method != "GET":
            return None
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None  # no learner: the whole-page cache stores it, once
        if not stored_query(page, request.META.get("QUERY_STRING", "")):
            return None
        if len(getattr(request, "_messages", ())):
            return None  # shown once, on the page rendered for them
        from quizzes.review import review_due

        user = request.user
        parts = [
            RELEASE,
            caching.version(request) if page.content else "",
            request.get_full_path(),
            request.headers.get("HX-Request", ""),
            user.get_username() if user.is_authenticated else "",
            review_due(request),  # the value the nav shows: read once per request
        ]
        digest = hashlib.md5(repr(parts).encode(), usedforsecurity=False).hexdigest()
        request._learner_page_key = key = f"learner-page:{digest}"
        entry = pages().get(key)
        if entry is None:
            return None
        values = {NONCE: str(request._csp_nonce).encode() if NONCE in entry.holes else b""}
        if TOKEN in entry.holes:
            values[TOKEN] = csrf_tokens.get_token(
                request
            ).encode()  # and Django sets the cookie, as for a render
        response = HttpResponse(entry.join([values[hole] for hole in entry.holes]), status=200)
        for name, value in entry.headers:
            response[name] = value
        response._from_learner_page = True
        return response

    @staticmethod
    def _entry(request, response) -> Entry | None:
        if response.status_code != 200 or response.streaming or response.cookies:
            return None
        if response.has_header("Content-Encoding") or "no-store" in response.get("Cache-Control", ""):
            return None
        # CsrfViewMiddleware runs after this one on the way out: the flag says the token was used.
        cut = _cut(request, response.content, token_used=bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")))
        if cut is None:
            return None
        headers = [(n, v) for n, v in response.items() if n.lower() != "content-length"]
        return Entry(None, "200 OK", headers, *cut, [], False)
