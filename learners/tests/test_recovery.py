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
