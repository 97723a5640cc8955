import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from learners.current import SESSION_KEY
from learners.models import Learner

from .factories import PASSWORD, LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_has_labelled_fields(client):
    response = client.get(reverse("learners:login"))
    assertContains(response, '<label for="id_username"')
    assertContains(response, '<label for="id_password"')


def test_login_with_good_credentials_redirects_home(client):
    user = UserFactory()
    response = client.post(reverse("learners:login"), {"username": user.username, "password": PASSWORD})
    assertRedirects(response, reverse("home"))
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_ignores_an_offsite_next(client):
    user = UserFactory()
    response = client.post(
        reverse("learners:login"),
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assertRedirects(response, reverse("home"))


def test_wrong_password_shows_a_clear_error_and_logs_nobody_in(client):
    user = UserFactory()
    response = client.post(reverse("learners:login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assertContains(response, "Please enter a correct username and password")
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited_after_repeated_failures(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = UserFactory()
    for _ in range(3):
        client.post(reverse("learners:login"), {"username": user.username, "password": "wrong"})
    # Even the right password is refused while the lock holds.
    response = client.post(reverse("learners:login"), {"username": user.username, "password": PASSWORD})
    assertContains(response, "Too many failed log-in attempts")
    assert "_auth_user_id" not in client.session


def test_malformed_login_post_changes_nothing(client):
    response = client.post(reverse("learners:login"), {"unexpected": "x"})
    assert response.status_code == 200
    assertContains(response, "This field is required")


def test_signup_creates_an_account_and_logs_in(client):
    response = client.post(
        reverse("learners:signup"),
        {"username": "ada", "password1": PASSWORD, "password2": PASSWORD},
    )
    assertRedirects(response, reverse("home"))
    user = get_user_model().objects.get(username="ada")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_with_mismatched_passwords_creates_nothing(client):
    response = client.post(
        reverse("learners:signup"),
        {"username": "ada", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assertContains(response, "didn’t match")
    assert not get_user_model().objects.filter(username="ada").exists()


def test_signup_keeps_what_the_anonymous_learner_recorded(client):
    anonymous = LearnerFactory()
    session = client.session
    session[SESSION_KEY] = anonymous.pk
    session.save()
    client.post(reverse("learners:signup"), {"username": "ada", "password1": PASSWORD, "password2": PASSWORD})
    anonymous.refresh_from_db()
    assert anonymous.user.username == "ada"
    assert Learner.objects.count() == 1


def test_logout_needs_post_and_logs_out(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("learners:logout")).status_code == 405
    response = client.post(reverse("learners:logout"))
    assertRedirects(response, reverse("home"))
    assert "_auth_user_id" not in client.session


def test_logout_requires_csrf():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(UserFactory())
    assert csrf_client.post(reverse("learners:logout")).status_code == 403
