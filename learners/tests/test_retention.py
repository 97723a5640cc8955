"""Anonymous work lives as long as its browser keeps coming back, and per-learner pages stay private."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from learners.middleware import RENEWED_KEY
from learners.models import Counter, Learner
from learners.retention import purge_expired
from lessons.models import LessonProgress
from lessons.tests.factories import LessonFactory

from .factories import LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_active_learners_session_expiry_moves_with_activity(client):
    lesson = LessonFactory()
    client.post(reverse("lessons:lesson_complete", args=[lesson.slug]))
    key = client.session.session_key
    # Four weeks later: the session would end tomorrow, and it was last renewed long ago.
    session = client.session
    session[RENEWED_KEY] = 0
    session.save()
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(days=1))

    client.get(lesson.get_absolute_url())  # reading, not writing

    expiry = Session.objects.get(pk=client.session.session_key).expire_date
    assert expiry > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_renewal_writes_at_most_once_an_hour(client):
    lesson = LessonFactory()
    client.post(reverse("lessons:lesson_complete", args=[lesson.slug]))
    client.get(reverse("lessons:lesson_list"))
    expiry = Session.objects.get().expire_date
    client.get(reverse("lessons:lesson_list"))
    assert Session.objects.get().expire_date == expiry


def test_renewal_marks_the_anonymous_learner_seen(client):
    lesson = LessonFactory()
    client.post(reverse("lessons:lesson_complete", args=[lesson.slug]))
    Learner.objects.update(last_seen_at=timezone.now() - timedelta(days=20))
    session = client.session
    session[RENEWED_KEY] = 0
    session.save()
    client.get(reverse("lessons:lesson_list"))
    assert Learner.objects.get().last_seen_at > timezone.now() - timedelta(minutes=1)


def test_pages_that_read_the_session_are_private_and_public_data_stays_public(client):
    LessonFactory()
    response = client.get(reverse("lessons:lesson_list"))
    assert "private" in response["Cache-Control"]
    assert "public" in client.get(reverse("lessons:matrix_json"))["Cache-Control"]


def test_purge_deletes_idle_anonymous_work_and_keeps_the_rest():
    now = timezone.now()
    lesson = LessonFactory()
    idle = LearnerFactory(last_seen_at=now - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
    active = LearnerFactory(last_seen_at=now - timedelta(days=1))
    account = LearnerFactory(user=UserFactory(), last_seen_at=now - timedelta(days=400))
    for learner in (idle, active, account):
        LessonProgress.objects.create(learner=learner, lesson=lesson)
    purge_expired(now=now)
    assert set(LessonProgress.objects.values_list("learner", flat=True)) == {active.pk, account.pk}
    assert set(Learner.objects.values_list("pk", flat=True)) == {active.pk, account.pk}


def test_purge_settles_old_merges_and_drops_old_counters():
    now = timezone.now()
    lesson = LessonFactory()
    account = LearnerFactory(user=UserFactory())
    merged = LearnerFactory(merged_into=account, last_seen_at=now - timedelta(hours=2))
    LessonProgress.objects.create(learner=merged, lesson=lesson)
    Counter.objects.create(key="old", count=3, window_started_at=now - timedelta(days=2))
    Counter.objects.create(key="new", count=3, window_started_at=now)
    purge_expired(now=now)
    assert LessonProgress.objects.get().learner == account
    assert not Learner.objects.filter(pk=merged.pk).exists()
    assert list(Counter.objects.values_list("key", flat=True)) == ["new"]


def test_purge_command_reports_what_it_deleted(capsys):
    call_command("purge_expired")
    assert "Deleted 0 counters." in capsys.readouterr().out
