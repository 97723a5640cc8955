"""srm_site.sessions: Django's database sessions, read with one plain statement."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from srm_site.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_it_is_the_sites_session_engine():
    assert settings.SESSION_ENGINE == "srm_site.sessions"


def test_a_saved_session_reads_back():
    store = SessionStore()
    store["learner"] = 7
    store.save()
    again = SessionStore(store.session_key)
    assert again["learner"] == 7
    assert again.session_key == store.session_key


def test_an_expired_session_reads_as_empty_and_is_not_reused():
    store = SessionStore()
    store["learner"] = 7
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    again = SessionStore(store.session_key)
    assert "learner" not in again
    assert again.session_key is None  # a new key is made on the next save, as Django does


def test_an_unknown_or_malformed_key_reads_as_empty():
    assert dict(SessionStore("x" * 32).items()) == {}
    assert dict(SessionStore("bad").items()) == {}
