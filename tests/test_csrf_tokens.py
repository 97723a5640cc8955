from collections import Counter

import pytest
from django.middleware import csrf
from django.test import Client

from srm_site import csrf_tokens


def test_a_new_secret_is_what_django_makes():
    secrets = {csrf_tokens.new_secret() for _ in range(200)}
    assert len(secrets) == 200
    for secret in secrets:
        assert len(secret) == csrf.CSRF_SECRET_LENGTH
        assert not csrf.invalid_token_chars_re.search(secret)


def test_a_masked_token_unmasks_to_its_secret_with_djangos_own_function():
    secret = csrf_tokens.new_secret()
    tokens = {csrf_tokens.masked(secret) for _ in range(50)}
    assert len(tokens) == 50  # a fresh mask each time (BREACH)
    for token in tokens:
        assert len(token) == csrf.CSRF_TOKEN_LENGTH
        assert csrf._unmask_cipher_token(token) == secret


def test_every_allowed_character_is_drawn_about_equally():
    """Uniform over the 62 characters. A wrong table (a character never drawn, or drawn twice as often) fails
    this fixed, generous bound; the expected spread at this size is about 2%."""
    counts = Counter("".join(csrf_tokens.new_secret() for _ in range(4000)))  # 128,000 characters
    assert set(counts) == set(csrf.CSRF_ALLOWED_CHARS)
    expected = 128_000 / len(csrf.CSRF_ALLOWED_CHARS)
    assert all(abs(count - expected) < 0.15 * expected for count in counts.values())


@pytest.mark.django_db
def test_django_accepts_a_post_with_these_tokens_and_refuses_them_with_another_cookie():
    client = Client(enforce_csrf_checks=True)
    secret = csrf_tokens.new_secret()
    client.cookies["csrftoken"] = secret
    response = client.post("/join/", {"csrfmiddlewaretoken": csrf_tokens.masked(secret), "code": "000000"})
    assert response.status_code != 403
    client.cookies["csrftoken"] = csrf_tokens.new_secret()  # another browser's cookie
    response = client.post("/join/", {"csrfmiddlewaretoken": csrf_tokens.masked(secret), "code": "000000"})
    assert response.status_code == 403


def test_get_token_marks_the_secret_for_the_cookie_as_django_does(rf):
    from django.middleware.csrf import CsrfViewMiddleware, _unmask_cipher_token

    request = rf.get("/")
    CsrfViewMiddleware(lambda r: None).process_request(request)
    token = csrf_tokens.get_token(request)  # no cookie yet: a new secret
    secret = request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] and _unmask_cipher_token(token) == secret
    again = csrf_tokens.get_token(request)  # the same secret, masked afresh
    assert again != token and _unmask_cipher_token(again) == secret
