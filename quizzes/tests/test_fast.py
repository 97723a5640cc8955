"""The quiz round trip before Django (quizzes/fast.py): what it serves is the response Django would have sent,
byte for byte apart from the per-response nonce and CSRF token, and anything it is unsure of goes to Django."""

import io
import time

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.middleware import csrf
from django.test import Client

from learners.middleware import RENEWED_KEY
from lessons import documents
from quizzes import fast
from quizzes.models import Attempt, Mode
from quizzes.tests.answers import right_answer_data
from srm_site.wsgi import application, django_application
from tests.test_pagecache import NONCE_RE, TOKEN_RE, call, environ, normalised, text


@pytest.fixture(autouse=True)
def empty_memos():
    """Frames, fragments and headers are memoised per process: each test starts as a new process would."""
    fast._frames.clear(), fast._fragments.clear(), fast._headers.clear()
    yield
    fast._frames.clear(), fast._fragments.clear(), fast._headers.clear()


def start_quiz(client: Client, length: int = 20) -> Attempt:
    client.get("/quizzes/")
    client.post("/quizzes/start/", {"topic": "everything", "length": length})
    client.get("/quizzes/history/")  # the new session's first renewal (learners/middleware.py)
    return Attempt.objects.latest("started_at")


def request_env(client: Client, path: str, method: str = "GET", body: str = "", **headers) -> dict:
    cookies = "; ".join(  # as a browser sends them: not those the server deleted
        f"{name}={morsel.value}" for name, morsel in client.cookies.items() if morsel["max-age"] != 0
    )
    env = environ(path, Cookie=cookies, **headers)
    if method == "POST":
        env |= {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
        }
        env["wsgi.input"] = io.BytesIO(body.encode())
    return env


def served_fast(env: dict) -> bool:
    return fast.answer(fast.Quiz(dict(env))) is not None


def twice(client, path, **kwargs):
    """The response Django renders (which stores what the fast path needs), then the fast path's."""
    env = request_env(client, path, **kwargs)
    assert not served_fast(env)
    rendered = call(application, request_env(client, path, **kwargs))
    assert served_fast(request_env(client, path, **kwargs)), "the second request should not need Django"
    again = call(application, request_env(client, path, **kwargs))
    assert_sound(client, again)
    return rendered, again


def assert_sound(client, response):
    """What normalised() blanks out: the length is the body's, and the CSRF cookie re-sent (as Django re-sends
    it) holds the browser's own secret, so its other tabs' tokens stay good."""
    _, headers, body = response
    assert dict(headers)["Content-Length"] == str(len(body))
    cookies = [value for name, value in headers if name == "Set-Cookie"]
    for cookie in cookies:
        assert cookie.startswith(f"csrftoken={client.cookies['csrftoken'].value};")


def assert_same(rendered, again):
    (status1, headers1, body1), (status2, headers2, body2) = rendered, again
    assert status1 == status2
    assert normalised(headers1, text(headers1, body1)) == normalised(headers2, text(headers2, body2))


def positions_by_kind(attempt: Attempt) -> dict[str, int]:
    found = {}
    for slot in attempt.slots.select_related("question"):
        found.setdefault(slot.question.kind, slot.position)
    return found


@pytest.mark.parametrize("gzip", [True, False])
@pytest.mark.parametrize("htmx", [False, True])
def test_an_unanswered_question_is_the_page_django_sends_for_every_kind(real_pack, htmx, gzip):
    client = Client()
    attempt = start_quiz(client)
    headers = {"HX-Request": "true"} if htmx else {}
    if gzip:
        headers["Accept-Encoding"] = "gzip, deflate"
    kinds = positions_by_kind(attempt)
    assert len(kinds) >= 4
    first = True
    for kind, position in kinds.items():
        path = f"/quizzes/attempts/{attempt.pk}/{position}/"
        if first:  # the frame is built once; every later question is served from it on its first view
            rendered, again = twice(client, path, **headers)
            first = False
        else:
            fast._fragments.clear()
            rendered = call(application, request_env(client, path, **headers))  # caches the question's form
            assert served_fast(request_env(client, path, **headers)), kind
            again = call(application, request_env(client, path, **headers))
        assert_same(rendered, again)
        if gzip:
            assert ("Content-Encoding", "gzip") in again[1]
        page = text(again[1], again[2])
        assert f'action="{path}answer/"' in page, kind
        tokens = {a or b for a, b in TOKEN_RE.findall(page)}
        assert tokens and all(
            csrf._unmask_cipher_token(t) == client.cookies["csrftoken"].value for t in tokens
        )
        if not htmx:
            nonce = NONCE_RE.search(page).group(1)
            assert f"'nonce-{nonce}'" in dict(again[1])["Content-Security-Policy"]


def test_a_second_learner_sees_a_question_first_from_the_frame_with_their_own_values(real_pack):
    one, other = Client(), Client()
    mine, theirs = start_quiz(one), start_quiz(other, length=5)
    twice(one, f"/quizzes/attempts/{mine.pk}/1/")  # the frame, built on the first learner's page
    # The second learner's question 1, once its form is cached (by anyone), comes from that frame.
    path = f"/quizzes/attempts/{theirs.pk}/1/"
    call(application, request_env(one, path))  # not theirs: a 404 page, and no form cached
    assert not served_fast(request_env(other, path))
    call(application, request_env(other, path))
    Attempt.objects.filter(pk=theirs.pk).update(score=2.25, answered_count=3)  # other values than the frame's
    env = request_env(other, path)
    assert served_fast(env)
    fast_response = call(application, env)
    assert_sound(other, fast_response)
    assert_same(call(django_application, request_env(other, path)), fast_response)
    status, headers, body = fast_response
    page = text(headers, body)
    assert (
        f"Question 1 of 5: {theirs.title}" in page and "Score: 2.3 out of 3 answered" in page
    )  # floatformat rounds half up
    assert str(mine.pk) not in page and f"/quizzes/attempts/{theirs.pk}/1/answer/" in page


def test_the_title_is_escaped_as_the_template_escapes_it(real_pack):
    client = Client()
    attempt = start_quiz(client)
    Attempt.objects.filter(pk=attempt.pk).update(title='<b>"Tom" & Jerry</b>')
    rendered, again = twice(client, f"/quizzes/attempts/{attempt.pk}/1/")
    assert_same(rendered, again)
    assert "&lt;b&gt;&quot;Tom&quot; &amp; Jerry&lt;/b&gt;" in text(again[1], again[2])


def test_an_answered_card_a_repeated_answer_and_the_results_are_the_responses_django_sends(real_pack):
    client = Client()
    attempt = start_quiz(client, length=5)
    question = attempt.slots.get(position=1).question
    data = right_answer_data(question)
    client.post(f"/quizzes/attempts/{attempt.pk}/1/answer/", data, headers={"HX-Request": "true"})
    token = client.cookies["csrftoken"].value
    body = "&".join(f"{k}={v}" for k, v in data.items() if isinstance(v, str))
    repeat = {"method": "POST", "body": body, "HX-Request": "true", "X-CSRFToken": token}
    for path, kwargs in [
        (f"/quizzes/attempts/{attempt.pk}/1/", {}),
        (f"/quizzes/attempts/{attempt.pk}/1/", {"HX-Request": "true"}),
        (f"/quizzes/attempts/{attempt.pk}/1/answer/", repeat),
        (f"/quizzes/attempts/{attempt.pk}/results/", {"Accept-Encoding": "gzip"}),
    ]:
        rendered, again = twice(client, path, **kwargs)
        assert_same(rendered, again)
    page = text(again[1], again[2])
    assert "1 of 5 questions right" in page
    answered = Attempt.objects.get(pk=attempt.pk)
    assert (answered.answered_count, answered.score) == (1, 1.0)  # the repeats recorded nothing


def test_a_new_answer_changes_what_is_served(real_pack):
    client = Client()
    attempt = start_quiz(client, length=5)
    results = f"/quizzes/attempts/{attempt.pk}/results/"
    twice(client, results)
    question = attempt.slots.get(position=2).question
    client.post(f"/quizzes/attempts/{attempt.pk}/2/answer/", right_answer_data(question))
    env = request_env(client, results)
    assert not served_fast(env)
    assert "1 of 5 questions right" in text(*call(application, env)[1:])


def answered_once(client: Client) -> tuple[str, dict]:
    """A quiz started and question 1 answered by htmx: its answer path and what repeating that answer sends."""
    attempt = start_quiz(client, length=5)
    path = f"/quizzes/attempts/{attempt.pk}/1/answer/"
    client.post(
        path, right_answer_data(attempt.slots.get(position=1).question), headers={"HX-Request": "true"}
    )
    token = client.cookies["csrftoken"].value
    return path, {"method": "POST", "body": "choice=x", "HX-Request": "true", "X-CSRFToken": token}


def test_a_repeated_answer_without_a_valid_token_goes_to_django_and_is_refused(real_pack):
    client = Client()
    path, good = answered_once(client)
    twice(client, path, **good)
    bad = {**good, "X-CSRFToken": "x" * 32}
    env = request_env(client, path, **bad)
    assert not served_fast(env)
    assert call(application, env)[0].startswith("403")


@pytest.mark.parametrize(
    "why", ["messages", "signed in since", "renewal", "query", "other learner", "exam", "content"]
)
def test_django_answers_whatever_the_fast_path_cannot_be_sure_of(real_pack, why, django_user_model):
    client = Client()
    attempt = start_quiz(client, length=5)
    path = f"/quizzes/attempts/{attempt.pk}/1/"
    twice(client, path)
    match why:
        case "messages":
            client.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(constants.INFO, "Hi")])
        case "signed in since":  # the attempt moves to the account, and the session is settling the merge
            django_user_model.objects.create_user("ada", password="a-long-password-123")
            client.post("/accounts/login/", {"username": "ada", "password": "a-long-password-123"})
        case "renewal":
            session = client.session
            session[RENEWED_KEY] = int(time.time()) - 2 * 60 * 60
            session.save()
        case "query":
            path += "?x=1"
        case "other learner":
            client = Client()
            start_quiz(client, length=5)
        case "exam":
            Attempt.objects.filter(pk=attempt.pk).update(mode=Mode.EXAM)
        case "content":
            documents.content_changed()
    assert not served_fast(request_env(client, path))


def test_with_debug_on_nothing_is_served_before_django(settings):
    settings.DEBUG = True
    assert fast.fast_quiz(application) is application


def signed_in(django_user_model, name: str) -> Client:
    django_user_model.objects.create_user(name, password="a-long-password-123")
    client = Client()
    client.post("/accounts/login/", {"username": name, "password": "a-long-password-123"})
    assert "_auth_user_id" in client.session
    return client


def test_a_signed_in_learners_pages_are_the_pages_django_sends(real_pack, django_user_model):
    ada, grace = signed_in(django_user_model, "ada"), signed_in(django_user_model, "grace")
    attempt = start_quiz(ada, length=5)
    rendered, again = twice(ada, f"/quizzes/attempts/{attempt.pk}/1/")
    assert_same(rendered, again)
    assert "Signed in as <strong>ada</strong>" in text(again[1], again[2])
    # Another account's first view of a question comes from the same frame, with its own name.
    theirs = start_quiz(grace, length=5)
    path = f"/quizzes/attempts/{theirs.pk}/1/"
    call(application, request_env(grace, path))  # caches their question's form
    env = request_env(grace, path)
    assert served_fast(env)
    page = text(*call(application, env)[1:])
    assert "Signed in as <strong>grace</strong>" in page and "ada" not in page
    question = attempt.slots.get(position=1).question
    ada.post(f"/quizzes/attempts/{attempt.pk}/1/answer/", right_answer_data(question))
    for path in [f"/quizzes/attempts/{attempt.pk}/1/", f"/quizzes/attempts/{attempt.pk}/results/"]:
        assert_same(*twice(ada, path))


@pytest.mark.parametrize("why", ["password changed", "inactive", "another account", "anonymous"])
def test_an_account_that_django_would_not_accept_goes_to_django(real_pack, django_user_model, why):
    ada = signed_in(django_user_model, "ada")
    attempt = start_quiz(ada, length=5)
    path = f"/quizzes/attempts/{attempt.pk}/1/"
    twice(ada, path)
    user = django_user_model.objects.get(username="ada")
    client = ada
    match why:
        case "password changed":  # elsewhere: Django ends this session
            user.set_password("another-long-password-456")
            user.save()
        case "inactive":
            django_user_model.objects.filter(pk=user.pk).update(is_active=False)
        case "another account":
            client = signed_in(django_user_model, "grace")
            start_quiz(client, length=5)
        case "anonymous":
            client = Client()
            start_quiz(client, length=5)
    assert not served_fast(request_env(client, path))
    status, _, _ = call(application, request_env(client, path))
    assert status.startswith("404")  # "this quiz is not yours here": the view's page that says why


def test_a_learner_with_reviews_due_sees_their_own_count_in_the_nav(real_pack):
    from django.core.cache import cache

    from quizzes.review import _count_key

    one, other = Client(), Client()
    mine, theirs = start_quiz(one, length=5), start_quiz(other, length=5)
    cache.set(_count_key(mine.learner_id), 3)
    cache.set(_count_key(theirs.learner_id), 12)
    assert_same(*twice(one, f"/quizzes/attempts/{mine.pk}/1/"))
    path = f"/quizzes/attempts/{theirs.pk}/1/"
    call(application, request_env(other, path))  # caches their question's form
    assert served_fast(request_env(other, path))
    fast_response = call(application, request_env(other, path))
    assert_same(call(django_application, request_env(other, path)), fast_response)
    assert '<span class="badge">12<span class="visually-hidden"> due</span>' in text(*fast_response[1:])
    # A learner with nothing due gets no badge, from a frame of its own.
    third = Client()
    path = f"/quizzes/attempts/{start_quiz(third, length=5).pk}/1/"
    for _ in range(3):
        fast_response = call(application, request_env(third, path))
    assert served_fast(request_env(third, path))
    assert_same(call(django_application, request_env(third, path)), fast_response)
    assert 'class="badge"' not in text(*fast_response[1:])


def test_anonymous_and_signed_in_learners_never_share_a_frame(real_pack, django_user_model):
    anonymous, ada = Client(), signed_in(django_user_model, "ada")
    theirs, mine = start_quiz(anonymous, length=5), start_quiz(ada, length=5)
    twice(anonymous, f"/quizzes/attempts/{theirs.pk}/1/")
    path = f"/quizzes/attempts/{mine.pk}/1/"
    call(application, request_env(ada, path))  # builds the signed-in frame
    fast_response = call(application, request_env(ada, path))
    assert_same(call(django_application, request_env(ada, path)), fast_response)
    assert "Signed in as <strong>ada</strong>" in text(*fast_response[1:])
    fast_response = call(application, request_env(anonymous, f"/quizzes/attempts/{theirs.pk}/1/"))
    assert "Signed in as" not in text(*fast_response[1:])


@pytest.mark.parametrize("change", ["content", "username"])
def test_a_stored_answered_card_and_results_are_not_served_after_what_they_show_changed(
    real_pack, django_user_model, change
):
    ada = signed_in(django_user_model, "ada")
    attempt = start_quiz(ada, length=5)
    question = attempt.slots.get(position=1).question
    ada.post(f"/quizzes/attempts/{attempt.pk}/1/answer/", right_answer_data(question))
    paths = [f"/quizzes/attempts/{attempt.pk}/1/", f"/quizzes/attempts/{attempt.pk}/results/"]
    for path in paths:
        twice(ada, path)
    if change == "content":
        documents.content_changed()
    else:
        django_user_model.objects.filter(username="ada").update(username="ada2")
    for path in paths:
        assert not served_fast(request_env(ada, path))


def test_a_session_django_would_not_accept_as_is_goes_to_django(real_pack, django_user_model):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from learners.current import MERGED_KEY

    ada = signed_in(django_user_model, "ada")
    attempt = start_quiz(ada, length=5)
    path = f"/quizzes/attempts/{attempt.pk}/1/"
    twice(ada, path)
    original = dict(ada.session.items())

    def with_session(**changes):
        session = ada.session
        session.clear()
        session.update({**original, **changes})
        session.save()
        return served_fast(request_env(ada, path))

    assert with_session()  # as it was: served
    assert not with_session(**{MERGED_KEY: [1, time.time()]})  # a merge settling: Django moves records
    assert not with_session(_auth_user_backend="django.contrib.auth.backends.RemoteUserBackend")
    grace = django_user_model.objects.create_user("grace", password="another-long-password-456")
    assert not with_session(_auth_user_id=str(grace.pk))  # another account with ada's hash: forged
    with_session()
    Session.objects.filter(session_key=ada.session.session_key).update(expire_date=timezone.now())
    assert not served_fast(request_env(ada, path))  # expired


def test_what_django_refuses_before_any_view_is_refused_as_django_does(real_pack, settings):
    client = Client()
    answer_path, repeat = answered_once(client)
    twice(client, answer_path, **repeat)
    del repeat["body"]
    question_path = answer_path.removesuffix("answer/")
    # A body Django refuses to parse: its 400, not a server error.
    too_many = "&".join(f"f{i}=1" for i in range(1100))
    assert call(application, request_env(client, answer_path, body=too_many, **repeat))[0].startswith("400")
    # A host that is not allowed.
    env = request_env(client, question_path)
    env["HTTP_HOST"] = "evil.example"
    assert not served_fast(env)
    assert call(application, env)[0].startswith("400")
    # A path Django's resolver does not match (a trailing newline).
    env = request_env(client, question_path)
    env["PATH_INFO"] += "\n"
    assert fast.Quiz(env).kind is None
    assert call(application, env)[0].startswith("404")
    # Plain HTTP when every request must be HTTPS.
    settings.SECURE_SSL_REDIRECT = True
    assert not served_fast(request_env(client, question_path))
