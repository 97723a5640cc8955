"""The quiz round trip, answered before Django's middleware when nothing in the response is new.

A learner taking a quiz asks for a question, answers it, moves on, and ends on the results. Through Django's
request handling each of those costs 1.5-2 ms of CPU, and most of it is not the quiz: the session, auth, CSRF,
messages, CSP and the templates of the page around the card (measured with bench/cpu.py; docs/notes.md,
"Speed, issue 9"). This WSGI wrapper (srm_site/wsgi.py) answers, for a learner (anonymous, or signed in and
checked as django.contrib.auth checks it) whose session needs nothing done:

- an unanswered question, whole page or htmx card: from a *frame*, the page Django rendered once per nav
  state with holes where one attempt differs from another (title, position, counts, form action, this
  page's address in the nav's log-in links, the name and due count in the nav, CSRF token, CSP nonce), filled with this attempt's values and
  the question's form as the template caches it (`{% cache "question-form" %}`). So a learner's first view
  of a question comes this way once anyone has been shown it since the last content change.
- an answered question (page or card, and the htmx answer POST that repeats an answer: a double click, a
  retry after a dropped connection) and the results page: the response Django rendered for this attempt in
  this state (answers, score, content version, nav), stored with holes for the token and the nonce.

It reads the session, the content version, the attempt with its learner's account, the slot and its answer
(one statement) and the due count, like the view. Anything else or anything uncertain (messages waiting, a
merge settling, a session due for renewal, an exam, a skipped question, a query string, a host Django would
refuse, a miss, an error) goes on to Django,
which stays the authority: it renders, and stores the frame or the response this path serves next time.
Headers are those Django gave the same kind of response in this process, with this response's nonce.
A POST is served only after Django's own CsrfViewMiddleware accepted it, and never writes.
"""

from __future__ import annotations

import copy
import hashlib
import io
import logging
import re
import struct
import time
import zlib
from collections import OrderedDict
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, connection
from django.http.cookie import parse_cookie
from django.middleware import csrf
from django.middleware.gzip import re_accepts_gzip
from django.template.defaultfilters import floatformat, urlencode
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.csp import generate_nonce
from django.utils.html import escape

from learners import current
from learners.middleware import RENEW_EVERY, RENEWED_KEY
from learners.models import Learner
from lessons import caching, documents
from lessons.models import ContentVersion
from srm_site import csrf_tokens, pagecache
from srm_site.sessions import SessionStore

from .models import Attempt, AttemptQuestion, Mode, Question, Response
from .review import due_count, review_due

logger = logging.getLogger(__name__)
PATH = re.compile(
    r"^/quizzes/attempts/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/"
    r"(?:([1-9][0-9]{0,4})/(answer/)?|(results/))$"
)
# environ keys: what the fast path looked for and did not find, for Django to store (the view or the middleware).
FRAME_KEY, STATE_KEY, DUE = "srm.quiz_frame", "srm.quiz_state", "srm.quiz_due"
HOLE = re.compile(rb"~~hole-([a-z]+)~~")
# Session keys that mean Django must see the request: messages, a merge in progress.
DJANGO_ONLY = frozenset({"_messages", current.MERGED_KEY})
# The one authentication backend whose get_user() `Quiz.owns` repeats (an active user's row).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
MESSAGES_COOKIE = "messages"
MAX_POST = 16 * 1024
FRAGMENT_MEMO = 512  # deflated question forms kept per process
FRAME_MEMO = 64  # frames kept per process (at most five per content version: see _from_frame)
# A stored state is one learner's: kept in the default cache (not the bounded page cache, where it would push
# out the content pages) and briefly, as what it serves is a repeat: a refresh, a double click, going back.
STATE_TIMEOUT = 10 * 60
SHORT = 64  # a frame's segment shorter than this is sent stored with the values beside it
PER_RESPONSE = frozenset({"set-cookie", "content-length", "content-encoding"})

_headers: dict[tuple, list[tuple[str, str]]] = {}  # per kind of response, as Django last sent it here
_frames: dict[str, pagecache.Entry] = {}
_fragments: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()


def hole(name: str) -> str:
    """The text a frame is rendered with where one attempt's value goes (unchanged by HTML escaping)."""
    return f"~~hole-{name}~~"


class Quiz:
    """What a quiz request is, read from the environ, its cookies and one statement; `kind` None means the
    fast path does not apply."""

    def __init__(self, environ: dict):
        self.environ = environ
        self.kind = self.username = None
        match = PATH.fullmatch(environ.get("PATH_INFO", ""))  # not match(): "$" also matches before "\n"
        if match is None or environ.get("SCRIPT_NAME") or environ.get("QUERY_STRING"):
            return
        method, self.htmx = environ.get("REQUEST_METHOD"), environ.get("HTTP_HX_REQUEST") == "true"
        self.attempt_id, position, answer, results = match.groups()
        self.position = int(position) if position else None
        if results and method == "GET":
            self.kind = "results"
        elif position and not answer and method == "GET":
            self.kind = "question"
        elif answer and method == "POST" and self.htmx:
            self.kind = "answer"  # served only when it repeats an answer (nothing to write)

    def accepted(self) -> bool:
        """What Django checks of every request before a view: the host is allowed (else a 400) and, with
        SECURE_SSL_REDIRECT, the request came over HTTPS (else a redirect). Through Django's own request."""
        request = WSGIRequest(self.environ)
        try:
            request.get_host()
        except DisallowedHost:
            return False
        return request.is_secure() or not settings.SECURE_SSL_REDIRECT

    def session_key(self) -> str | None:
        """The session cookie, when the other cookies let this path answer; keeps the CSRF secret."""
        cookies = parse_cookie(self.environ.get("HTTP_COOKIE", ""))
        self.secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
        if len(self.secret) != csrf.CSRF_SECRET_LENGTH or csrf.invalid_token_chars_re.search(self.secret):
            return None  # no CSRF cookie, or an old masked one: Django sets a new one
        if cookies.get(MESSAGES_COOKIE):  # empty, as Django leaves it when it deleted it, means none
            return None
        return cookies.get(settings.SESSION_COOKIE_NAME) or None

    def owns(self, session_data: str | None, learner_id, user_id, username, password, is_active) -> bool:
        """Whether the session (as SessionStore decodes it) is the attempt's learner's and needs nothing done:
        an anonymous learner's by the session's learner id; an account's as django.contrib.auth.get_user()
        checks it (the user's id and backend, active, and the session's hash of the password)."""
        data = SessionStore().decode(session_data) if session_data else {}
        if not data or DJANGO_ONLY & data.keys():
            return False
        if time.time() - data.get(RENEWED_KEY, 0) > RENEW_EVERY:
            return False  # LearnerSessionMiddleware renews it
        self.username = username
        if user_id is None:
            return auth.SESSION_KEY not in data and data.get(current.SESSION_KEY) == learner_id
        if data.get(auth.SESSION_KEY) != str(user_id) or not is_active:
            return False
        if (
            data.get(auth.BACKEND_SESSION_KEY) != MODEL_BACKEND
            or MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS
        ):
            return False
        # Django's own hash of the password (a mismatch goes to Django, which tries the fallback keys or ends
        # the session).
        expected = get_user_model()(password=password).get_session_auth_hash()
        return constant_time_compare(data.get(auth.HASH_SESSION_KEY, ""), expected)

    def read(self, session_key: str):
        """In one statement: the session's data (as srm_site/sessions.py reads it), the content version (as
        documents.content_version()), and the attempt with its learner's account (if any), its slot at this
        position and the slot's answer. The caller checks the attempt is the session's learner's."""
        sessions, user = SessionStore.get_model_class()._meta.db_table, get_user_model()
        sql = (
            f"SELECT (SELECT session_data FROM {sessions} WHERE session_key = %s AND expire_date > %s),"
            f" (SELECT number FROM {ContentVersion._meta.db_table} WHERE id = %s),"
            f" a.learner_id, l.user_id, u.{user.USERNAME_FIELD}, u.password, u.is_active,"
            f" a.mode, a.title, a.total, a.answered_count, a.score, a.finished_at,"
            f" s.question_id, q.retired, r.id"
            f" FROM {Attempt._meta.db_table} a"
            f" JOIN {Learner._meta.db_table} l ON l.id = a.learner_id"
            f" LEFT JOIN {user._meta.db_table} u ON u.id = l.user_id"
            f" LEFT JOIN {AttemptQuestion._meta.db_table} s ON s.attempt_id = a.id AND s.position = %s"
            f" LEFT JOIN {Question._meta.db_table} q ON q.id = s.question_id"
            f" LEFT JOIN {Response._meta.db_table} r ON r.attempt_id = a.id AND r.question_id = s.question_id"
            f" WHERE a.id = %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        pk = Attempt._meta.pk.get_db_prep_value(self.attempt_id, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [session_key, now, documents.VERSION_ROW, self.position or 0, pk])
            return cursor.fetchone()


def fragment_cache():
    try:
        return caches["template_fragments"]
    except InvalidCacheBackendError:
        return caches["default"]


def _key(*parts) -> str:
    return hashlib.md5(repr(parts).encode(), usedforsecurity=False).hexdigest()


def answer(quiz: Quiz) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """(status, headers, body) when this process can answer without Django; else None, and the environ
    says what Django should store for next time."""
    if quiz.kind is None or not quiz.accepted() or (session_key := quiz.session_key()) is None:
        return None
    row = quiz.read(session_key)
    if row is None:
        return None
    session_data, version, learner_id, *account = row[:7]
    mode, title, total, answered, score, finished_at, question_id, retired, response_id = row[7:]
    if not quiz.owns(session_data, learner_id, *account):
        return None  # not this session's quiz (the view says so), or a session Django must see
    if mode == Mode.EXAM or (quiz.kind != "results" and question_id is None):
        return None
    version = version or 0  # as documents.content_version() reads no row
    due = due_count(learner_id)
    quiz.environ[DUE] = due
    htmx = quiz.htmx
    if quiz.kind == "question" and response_id is None:
        if retired:
            return None  # skipped: the view says so
        return _from_frame(quiz, version, due, title, total, answered, score, question_id)
    if quiz.kind == "answer" and response_id is None:
        return None  # a first answer: Django grades and records it
    state = _key(
        *(quiz.kind, htmx, quiz.environ["PATH_INFO"], version, due, quiz.username),
        *(title, total, answered, score, str(finished_at), response_id, retired),
    )
    key = f"quiz-state:{pagecache.RELEASE}:{caching.RELEASE}:{state}"
    headers = _headers.get((quiz.kind, htmx))
    entry = caches["default"].get(key) if headers else None
    if entry is None:
        quiz.environ[STATE_KEY] = key
        return None
    if quiz.kind == "answer" and not _csrf_passes(quiz.environ):
        return None  # Django answers with its 403
    return _respond(quiz, entry, headers, {})


def _from_frame(quiz, version, due, title, total, answered, score, question_id):
    htmx = quiz.htmx
    # The nav (full pages only) shows the name of a signed-in learner and a badge when reviews are due: both
    # holes, so a process keeps at most five frames per content version.
    signed_in, badge = not htmx and quiz.username is not None, not htmx and due > 0
    key = f"quiz-frame:{pagecache.RELEASE}:{caching.RELEASE}:{version}:{htmx}:{signed_in}:{badge}"
    frame = _frames.get(key)
    if frame is None and (frame := pagecache.pages().get(key)) is not None:
        if len(_frames) >= FRAME_MEMO:
            _frames.clear()
        _frames[key] = frame
    headers = _headers.get(("question", htmx))
    if frame is None or headers is None:
        quiz.environ[FRAME_KEY] = key
        return None
    # The tag's fragment name is its token as written, quotes included.
    fragment = make_template_fragment_key(
        '"question-form"', [f"{version}.{caching.RELEASE}", question_id, quiz.position, htmx]
    )
    body = _fragments.get(fragment)
    if body is None:
        html = fragment_cache().get(fragment)
        if html is None:
            return None  # the view renders the form and caches it
        raw = str(html).encode()
        body = _fragments[fragment] = (raw, pagecache._deflate(raw, last=False))
        while len(_fragments) > FRAGMENT_MEMO:
            _fragments.popitem(last=False)
    path = quiz.environ["PATH_INFO"]
    fills = {
        "title": escape(title).encode(),
        "position": str(quiz.position).encode(),
        "total": str(total).encode(),
        "answered": str(answered).encode(),
        # floatformat(score, "-1"), as the view formats it; a whole score (the usual case) without its Decimals.
        "score": (str(int(score)) if score.is_integer() else str(floatformat(score, "-1"))).encode(),
        "action": f"{path}answer/".encode(),
        "path": urlencode(path).encode(),
        "body": body,
    }
    if signed_in:
        fills["username"] = escape(quiz.username).encode()
    if badge:
        fills["due"] = str(due).encode()
    return _respond(quiz, frame, headers, fills)


def _respond(quiz: Quiz, entry: pagecache.Entry, headers: list, fills: dict):
    nonce = generate_nonce()
    fills = {pagecache.NONCE: nonce.encode(), **fills}
    headers = [(name, value.replace("{nonce}", nonce)) for name, value in headers]
    if pagecache.TOKEN in entry.holes:
        fills[pagecache.TOKEN] = csrf_tokens.masked(quiz.secret).encode()
        # As CsrfViewMiddleware does for every response that used the token: the cookie, renewed.
        headers.append(("Set-Cookie", pagecache._csrf_cookie(quiz.secret)))
    pieces = [fills[name] for name in entry.holes]
    raw = entry.join([piece[0] if isinstance(piece, tuple) else piece for piece in pieces])
    if entry.gzip and re_accepts_gzip.search(quiz.environ.get("HTTP_ACCEPT_ENCODING", "")):
        body = _gzipped(entry, pieces, raw)
        headers.append(("Content-Encoding", "gzip"))
    else:
        body = raw
    headers.append(("Content-Length", str(len(body))))
    return "200 OK", headers, body


def _gzipped(entry: pagecache.Entry, pieces: list, raw: bytes) -> bytes:
    """The body as one gzip member: the frame's segments deflated once, a learner's values as stored
    blocks (never compressed beside anything else: BREACH), the question's form deflated once per form.
    Short segments go into the stored block with the values around them: fewer blocks to join. `raw` is the
    uncompressed body, for the CRC."""
    parts, pending = [pagecache.GZIP_HEADER], []
    last = len(entry.segments) - 1
    for i, (segment, deflated, piece) in enumerate(
        zip(entry.segments, entry.deflated, [*pieces, b""], strict=True)
    ):
        if len(segment) < SHORT and i < last:
            pending.append(segment)
        else:
            if pending:
                parts.append(pagecache._stored(b"".join(pending)))
                pending = []
            parts.append(deflated)
        if isinstance(piece, tuple):
            if pending:
                parts.append(pagecache._stored(b"".join(pending)))
                pending = []
            parts.append(piece[1])
        else:
            pending.append(piece)
    parts.append(struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF))
    return b"".join(parts)


def _csrf_passes(environ: dict) -> bool:
    """Django's own CSRF check of this POST (origin, referer, token), on a copy of its body."""
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return False  # a chunked body: left for Django to read
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return False
    if not 0 <= length <= MAX_POST:
        return False
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)  # Django reads it again if this path declines
    request = WSGIRequest({**environ, "wsgi.input": io.BytesIO(body)})
    middleware = csrf.CsrfViewMiddleware(lambda request: None)
    middleware.process_request(request)
    return middleware.process_view(request, _csrf_passes, (), {}) is None


def _remember_headers(kind: tuple, start_response):
    """start_response for a quiz page Django answers: keeps its headers for this kind of response."""

    def remember(status, headers, exc_info=None):
        names = {name.lower() for name, _ in headers}
        page = status.startswith("200") and not any(name.startswith("hx-") for name in names)
        if page and dict(headers).get("Content-Type", "").startswith("text/html"):
            _headers[kind] = [
                (name, re.sub(r"'nonce-[^']+'", "'nonce-{nonce}'", value))
                for name, value in headers
                if name.lower() not in PER_RESPONSE
            ]
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    return remember


def fast_quiz(application):
    """WSGI wrapper answering quiz pages before Django (a no-op with DEBUG on, or with sessions that are not
    the database ones it reads)."""
    if settings.DEBUG or settings.SESSION_ENGINE != "srm_site.sessions":
        return application

    def wrapper(environ, start_response):
        quiz = Quiz(environ)
        try:
            found = answer(quiz)
        except DatabaseError:
            found = None  # Django's handler checks the connection and answers
        except Exception:
            # A malformed body in the CSRF check, a cache that is down, a bug: Django answers (its 400, its
            # error page and logging) from the same environ, whose body was kept for it.
            logger.exception("The quiz fast path failed; Django answers %s", environ.get("PATH_INFO"))
            found = None
        if found is not None:
            status, headers, body = found
            start_response(status, headers)
            return [body]
        if quiz.kind is not None:
            return application(environ, _remember_headers((quiz.kind, quiz.htmx), start_response))
        return application(environ, start_response)

    return wrapper


# Django's side: storing what the fast path serves.


def store_frame(request, template: str, context: dict) -> None:
    """After the view rendered an unanswered question for a request the fast path could not serve, render
    the same template once more with holes for one attempt's values, and keep it for every learner with
    this nav."""
    key = request.META.get(FRAME_KEY)
    if not key or len(getattr(request, "_messages", ())) or request.META.get(DUE) != review_due(request):
        return
    frame_request = copy.copy(request)
    frame_request.path = hole("path")  # the nav's log-in links come back here
    if request.user.is_authenticated:  # "Signed in as ..."
        frame_request.user = copy.copy(request.user)
        setattr(frame_request.user, request.user.USERNAME_FIELD, hole("username"))
    if request.META[DUE]:  # the nav's badge (read once per request: quizzes.review.review_due)
        frame_request._review_due = hole("due")
    attempt = SimpleNamespace(title=hole("title"), total=hole("total"), answered_count=hole("answered"))
    slot = SimpleNamespace(position=hole("position"), question=None, response=None, skipped=False)
    frame_context = {
        **context,
        "attempt": attempt,
        "slot": slot,
        "score": hole("score"),
        "answer_url": hole("action"),
        "frame_body": hole("body"),
    }
    body = render_to_string(template, frame_context, request=frame_request).encode()
    cut = pagecache._cut(request, body, token_used=True)
    if cut is None:
        return
    segments, holes = [], []
    for segment, after in zip(cut[0], [*cut[1], None], strict=True):
        pieces = HOLE.split(segment)
        segments += pieces[0::2]
        holes += [name.decode() for name in pieces[1::2]]
        if after:
            holes.append(after)
    # As GZipMiddleware: a body under 200 bytes is sent as it is (a frame never is).
    frame = pagecache.Entry(None, "200 OK", [], segments, holes, [], True, crcs=False)
    pagecache.pages().set(key, frame, caching.TIMEOUT)


class StoreMiddleware:
    """Last in MIDDLEWARE: keep the response the fast path looked for and did not find (an answered card,
    the results), cut at the nonce and the token, under the state it was read in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(STATE_KEY)
        if not key:
            return self.get_response(request)
        waiting = len(request._messages)
        response = self.get_response(request)
        messages = waiting or request._messages._queued_messages
        if messages or request.META.get(DUE) != review_due(request):
            return response
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        if response.has_header("Content-Encoding") or "no-store" in response.get("Cache-Control", ""):
            return response
        # CsrfViewMiddleware runs after this one on the way out: the flag says the token was used.
        used = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        cut = pagecache._cut(request, response.content, token_used=used)
        if cut is not None:
            entry = pagecache.Entry(None, "200 OK", [], *cut, [], len(response.content) >= 200, crcs=False)
            caches["default"].set(key, entry, STATE_TIMEOUT)
        return response
