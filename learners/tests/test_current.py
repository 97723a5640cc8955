import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from learners.current import SESSION_KEY, adopt_session_learner, current_learner, merge_into_account
from learners.models import Learner

from .factories import LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_request(user=None):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user or AnonymousUser()
    return request


def test_anonymous_visitor_has_no_learner_until_something_is_recorded():
    request = make_request()
    assert current_learner(request) is None
    assert Learner.objects.count() == 0


def test_anonymous_learner_is_created_once_and_tied_to_the_session():
    request = make_request()
    first = current_learner(request, create=True)
    again = current_learner(request, create=True)
    assert first == again
    assert first.is_anonymous
    assert request.session[SESSION_KEY] == first.pk
    assert Learner.objects.count() == 1


def test_a_session_cannot_claim_an_accounts_learner_by_id():
    owned = LearnerFactory(user=UserFactory())
    request = make_request()
    request.session[SESSION_KEY] = owned.pk
    assert current_learner(request) is None


def test_account_learner_is_the_users_own():
    user = UserFactory()
    request = make_request(user)
    assert current_learner(request) is None
    learner = current_learner(request, create=True)
    assert learner.user == user
    assert current_learner(request) == learner


def test_logging_in_hands_the_anonymous_learner_to_an_account_without_one():
    request = make_request()
    anonymous = current_learner(request, create=True)
    request.user = UserFactory()
    adopted = adopt_session_learner(request)
    assert adopted.pk == anonymous.pk
    assert adopted.user == request.user
    assert SESSION_KEY not in request.session
    assert Learner.objects.count() == 1


def test_logging_in_to_an_account_with_a_learner_merges_into_it():
    user = UserFactory()
    account = LearnerFactory(user=user)
    anonymous = LearnerFactory()
    merged = merge_into_account(anonymous, user=user)
    assert merged == account
    anonymous.refresh_from_db()
    assert anonymous.merged_into == account


def test_login_without_anonymous_study_creates_nothing():
    request = make_request()
    request.user = UserFactory()
    assert adopt_session_learner(request) is None
    assert Learner.objects.count() == 0
