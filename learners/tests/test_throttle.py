"""Log-in and sign-up limits: shared by every process, atomic, Unicode-proof, and proxy-aware."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from learners.models import Counter

from .concurrency import at_once, postgres_only
from .factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def guess(client, username, password="wrong", url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_USERNAME_LIMIT = 6
    return settings


@pytest.mark.django_db
def test_admin_login_is_throttled_like_the_sites(client, limits):
    admin = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(3):
        guess(client, admin.username, url=ADMIN_LOGIN)
    response = guess(client, admin.username, PASSWORD, url=ADMIN_LOGIN)
    assertContains(response, "Too many failed log-in attempts")
    assert not logged_in(client)


@pytest.mark.django_db
def test_unicode_forms_of_a_username_share_one_count(client, limits):
    user = UserFactory(username="grace")
    for variant in ("ｇｒａｃｅ", "GRACE", "Grace"):
        guess(client, variant)
    response = guess(client, user.username, PASSWORD)
    assertContains(response, "Too many failed log-in attempts")
    assert not logged_in(client)


@pytest.mark.django_db
def test_the_count_survives_a_cache_flush_and_other_workers(client, limits):
    # Each gunicorn worker has its own local-memory cache, and a restart empties it.
    user = UserFactory()
    for _ in range(3):
        guess(client, user.username)
        cache.clear()
    assertContains(guess(Client(), user.username, PASSWORD), "Too many failed log-in attempts")


@pytest.mark.django_db
def test_a_successful_log_in_resets_its_address_count(client, limits):
    user = UserFactory()
    for _ in range(2):
        guess(client, user.username)
    assertRedirects(guess(client, user.username, PASSWORD), reverse("home"))
    other = Client()
    for _ in range(2):
        guess(other, user.username)
    assertRedirects(guess(other, user.username, PASSWORD), reverse("home"))


@pytest.mark.django_db
def test_an_attacker_cannot_lock_a_user_out_from_another_address(limits):
    user = UserFactory()
    attacker, owner = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(20):  # refused guesses do not count against the username
        guess(attacker, user.username)
    assertRedirects(guess(owner, user.username, PASSWORD), reverse("home"))


@pytest.mark.django_db
def test_many_addresses_lock_a_username_only_until_the_window_ends(limits):
    user = UserFactory()
    for n in range(3):
        for _ in range(2):
            guess(Client(REMOTE_ADDR=f"203.0.113.{n}"), user.username)
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assertContains(guess(owner, user.username, PASSWORD), "Too many failed log-in attempts")
    Counter.objects.update(
        window_started_at=Counter.objects.first().window_started_at - timedelta(minutes=16)
    )
    assertRedirects(guess(owner, user.username, PASSWORD), reverse("home"))


@pytest.mark.django_db
def test_a_forwarded_address_is_ignored_unless_a_proxy_is_configured(limits):
    user = UserFactory()
    for n in range(3):  # every request claims another address
        guess(Client(), user.username, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assertContains(guess(Client(), user.username, PASSWORD), "Too many failed log-in attempts")


@pytest.mark.django_db
def test_behind_a_configured_proxy_each_client_has_its_own_count(limits):
    limits.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    limits.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    proxy = "10.0.0.2"
    for _ in range(3):
        # The attacker's own X-Forwarded-For value is left of what the proxy appended, and ignored.
        guess(Client(REMOTE_ADDR=proxy), user.username, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    owner = Client(REMOTE_ADDR=proxy)
    response = guess(owner, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assertRedirects(response, reverse("home"))


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_guesses_cannot_pass_the_limit(limits):
    user = UserFactory()
    checked = []

    def count(sender, credentials, **kwargs):
        checked.append(credentials["username"])

    user_login_failed.connect(count)
    try:
        at_once(*(lambda: guess(Client(), user.username) for _ in range(12)))
    finally:
        user_login_failed.disconnect(count)
    assert len(checked) == 3


# ---------- Sign-up ----------


def sign_up(client, username):
    return client.post(
        reverse("learners:signup"), {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    )


@pytest.mark.django_db
def test_sign_up_is_rate_limited_per_address(client, settings):
    settings.SIGNUP_LIMIT = 2
    for n in range(2):
        assertRedirects(sign_up(Client(), f"learner-{n}"), reverse("home"))
    response = sign_up(client, "one-too-many")
    assertContains(response, "Too many accounts were created from your network just now")
    assert not get_user_model().objects.filter(username="one-too-many").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lookalike", ["аdmin", "ADMIN", "ａｄｍｉｎ", "admIn", "adm1n"])
def test_sign_up_refuses_lookalikes_of_existing_names(client, lookalike):
    UserFactory(username="admin")
    html = sign_up(client, lookalike).content.decode()
    # Django itself refuses the same name after NFKC in another case; look-alikes are ours to refuse.
    assert "looks too much like an existing one" in html or "A user with that username already exists" in html
    assert get_user_model().objects.count() == 1
    assert not logged_in(client)


@pytest.mark.django_db
def test_sign_up_accepts_a_name_unlike_any_other(client):
    UserFactory(username="admin")
    assertRedirects(sign_up(client, "adrian"), reverse("home"))


@pytest.mark.django_db
def test_a_post_without_a_password_does_not_reset_the_count(client, limits):
    user = UserFactory()
    for _ in range(2):
        guess(client, user.username)
    client.post(LOGIN, {"username": user.username})
    guess(client, user.username)
    assertContains(guess(client, user.username, PASSWORD), "Too many failed log-in attempts")
