"""Password recovery through Django's reset views and MAILERS, and returning to the page the learner came from."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_forgot_password_is_offered_on_the_login_page(client):
    assertContains(client.get(reverse("learners:login")), reverse("learners:password_reset"))


def test_reset_mails_a_link_that_sets_a_new_password(client):
    user = UserFactory(username="ada", email="ada@example.com")
    response = client.post(reverse("learners:password_reset"), {"email": "ada@example.com"})
    assertRedirects(response, reverse("learners:password_reset_done"))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert "Hello ada" in message.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    assertContains(client.get(form_url), "Choose a new password")
    response = client.post(form_url, {"new_password1": "a-fresh-Pass-29", "new_password2": "a-fresh-Pass-29"})
    assertRedirects(response, reverse("learners:password_reset_complete"))
    user.refresh_from_db()
    assert user.check_password("a-fresh-Pass-29")
    assertContains(client.get(link), "This link no longer works")  # the link works once


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("learners:password_reset"), {"email": "nobody@example.com"})
    assertRedirects(response, reverse("learners:password_reset_done"))
    assert mail.outbox == []


def test_signup_takes_an_optional_email_for_recovery(client):
    client.post(
        reverse("learners:signup"),
        {
            "username": "grace",
            "email": "grace@example.com",
            "password1": "a-fresh-Pass-29",
            "password2": "a-fresh-Pass-29",
        },
    )
    assert get_user_model().objects.get(username="grace").email == "grace@example.com"


def test_signup_returns_to_the_page_the_learner_came_from(client):
    response = client.post(
        reverse("learners:signup") + "?next=/lessons/core-split/",
        {
            "username": "grace",
            "password1": "a-fresh-Pass-29",
            "password2": "a-fresh-Pass-29",
            "next": "/lessons/core-split/",
        },
    )
    assertRedirects(response, "/lessons/core-split/", fetch_redirect_response=False)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_signup_ignores_an_offsite_next(client, target):
    response = client.post(
        reverse("learners:signup"),
        {"username": "grace", "password1": "a-fresh-Pass-29", "password2": "a-fresh-Pass-29", "next": target},
    )
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)


def test_nav_links_carry_the_current_page_as_next(client):
    response = client.get(reverse("lessons:lesson_list"))
    assertContains(response, f'{reverse("learners:login")}?next=/lessons/"')
    assertContains(response, f'{reverse("learners:signup")}?next=/lessons/"')


def test_mail_goes_through_mailers_smtp_from_the_environment(monkeypatch):
    import importlib

    from srm_site import settings as site_settings

    monkeypatch.setenv("DJANGO_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("DJANGO_SMTP_PORT", "2525")
    monkeypatch.setenv("DJANGO_SMTP_STARTTLS", "1")
    try:
        fresh = importlib.reload(site_settings)
        options = fresh.MAILERS["default"]["OPTIONS"]
        assert fresh.MAILERS["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
        assert (options["host"], options["port"], options["use_tls"]) == ("smtp.example.com", 2525, True)
    finally:
        monkeypatch.delenv("DJANGO_SMTP_HOST")
        importlib.reload(site_settings)


@pytest.fixture
def reset_limits(settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 4
    settings.PASSWORD_RESET_EMAIL_LIMIT = 2
    return settings


def ask_for_reset(client, email, **extra):
    return client.post(reverse("learners:password_reset"), {"email": email}, **extra)


def test_one_address_is_mailed_only_a_few_times_an_hour(client, reset_limits):
    UserFactory(username="ada", email="ada@example.com")
    for _ in range(2):
        assertRedirects(ask_for_reset(client, "ada@example.com"), reverse("learners:password_reset_done"))
    response = ask_for_reset(client, "ada@example.com")
    assertContains(response, "was asked for several times in the last hour")
    assertContains(response, "wait 60 minute(s)")
    assert len(mail.outbox) == 2


def test_refusals_read_the_same_whether_or_not_an_account_uses_the_address(client, reset_limits):
    UserFactory(username="ada", email="ada@example.com")
    pages = {}
    for network, email in (("192.0.2.1", "ada@example.com"), ("192.0.2.2", "nobody@example.com")):
        for _ in range(2):
            response = ask_for_reset(client, email, REMOTE_ADDR=network)
            assertRedirects(response, reverse("learners:password_reset_done"))
        response = ask_for_reset(client, email, REMOTE_ADDR=network)
        page = response.content.decode().replace(email, "EMAIL")
        tokens = r'(nonce|value|content)="[^"]*"|"x-csrftoken": "\w+"'  # differ on every request
        pages[email] = re.sub(tokens, "", page)
    assert pages["ada@example.com"] == pages["nobody@example.com"]
    assert len(mail.outbox) == 2  # only the real account is ever mailed


def test_unicode_and_case_forms_of_an_address_share_one_count(client, reset_limits):
    UserFactory(username="ada", email="ada@example.com")
    ask_for_reset(client, "ADA@example.com")
    ask_for_reset(client, "ada@ｅxample.com")  # a full-width "e": the same address after NFKC
    response = ask_for_reset(client, "Ada@Example.com")
    assertContains(response, "was asked for several times")


def test_one_network_cannot_mail_many_addresses(client, reset_limits):
    for n in range(4):
        ask_for_reset(client, f"person{n}@example.com")
    response = ask_for_reset(client, "someone-else@example.com")
    assertContains(response, "from your network")
    # Another network may still ask for that address: the refusal above did not count against it.
    other = ask_for_reset(client, "someone-else@example.com", REMOTE_ADDR="203.0.113.9")
    assertRedirects(other, reverse("learners:password_reset_done"))


def test_the_limit_ends_with_its_window(client, reset_limits):
    import time_machine

    UserFactory(username="ada", email="ada@example.com")
    with time_machine.travel("2026-12-01 10:00Z", tick=False):
        for _ in range(3):
            ask_for_reset(client, "ada@example.com")
    with time_machine.travel("2026-12-01 11:01Z", tick=False):
        assertRedirects(ask_for_reset(client, "ada@example.com"), reverse("learners:password_reset_done"))
    assert len(mail.outbox) == 3


def test_a_malformed_address_is_refused_and_counts_nothing(client, reset_limits):
    from learners.models import Counter

    response = ask_for_reset(client, "not an address")
    assertContains(response, "Enter a valid email address")
    assert not Counter.objects.exists()
