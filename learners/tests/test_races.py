"""Nothing a learner did is lost when requests race: first writes, and writes during a log-in."""

import threading
import time

import pytest
from django.db import transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import reverse

from learners.current import MERGED_KEY, SESSION_KEY, SETTLE_SECONDS, merge_into_account
from learners.models import Learner
from lessons.models import LessonProgress
from lessons.progress import mark_done
from lessons.tests.factories import LessonFactory

from .concurrency import at_once, postgres_only
from .factories import PASSWORD, LearnerFactory, UserFactory


def browser() -> Client:
    """A new browser that has loaded one page: a CSRF cookie, no session yet."""
    client = Client()
    client.cookies["csrftoken"] = _get_new_csrf_string()
    return client


def twin(client: Client) -> Client:
    """Another tab of the same browser: the same cookies, sent independently."""
    other = Client()
    for name, morsel in client.cookies.items():
        other.cookies[name] = morsel.value
    return other


@pytest.mark.django_db
def test_two_first_writes_from_one_browser_make_one_anonymous_learner():
    # The two requests leave before either has a session cookie, so neither sees the other's session.
    lessons = LessonFactory.create_batch(2)
    first = browser()
    second = twin(first)
    first.post(reverse("lessons:lesson_complete", args=[lessons[0].slug]))
    second.post(reverse("lessons:lesson_complete", args=[lessons[1].slug]))
    learner = Learner.objects.get()
    assert LessonProgress.objects.filter(learner=learner).count() == 2
    # Whichever session cookie the browser keeps, it sees both lessons.
    for client in (first, second):
        assert client.session[SESSION_KEY] == learner.pk


@pytest.mark.django_db
def test_another_browser_gets_its_own_learner():
    lesson = LessonFactory()
    browser().post(reverse("lessons:lesson_complete", args=[lesson.slug]))
    browser().post(reverse("lessons:lesson_complete", args=[lesson.slug]))
    assert Learner.objects.count() == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_writes_make_one_anonymous_learner():
    lessons = LessonFactory.create_batch(4)
    first = browser()
    tabs = [first, *(twin(first) for _ in lessons[1:])]
    responses = at_once(
        *(
            (lambda c=c, lesson=lesson: c.post(reverse("lessons:lesson_complete", args=[lesson.slug])))
            for c, lesson in zip(tabs, lessons, strict=True)
        )
    )
    assert [r.status_code for r in responses] == [302] * 4
    learner = Learner.objects.get()
    assert LessonProgress.objects.filter(learner=learner).count() == 4


@pytest.mark.django_db
def test_a_write_in_flight_during_the_log_in_follows_to_the_account():
    # The request resolved its learner before the log-in merged it; it writes after.
    user = UserFactory()
    account = LearnerFactory(user=user)
    anonymous = LearnerFactory()
    lesson = LessonFactory()
    merge_into_account(anonymous, user=user)
    progress = mark_done(anonymous, lesson)
    assert progress.learner == account


@pytest.mark.django_db
def test_a_late_write_on_the_merged_learner_is_moved_by_the_next_request(client):
    # A writer that does not lock (any record model) can still land on the merged learner.
    lessons = LessonFactory.create_batch(2)
    client.post(reverse("lessons:lesson_complete", args=[lessons[0].slug]))
    anonymous = Learner.objects.get()
    user = UserFactory()
    account = LearnerFactory(user=user)
    client.post(reverse("learners:login"), {"username": user.username, "password": PASSWORD})
    LessonProgress.objects.create(learner=anonymous, lesson=lessons[1])  # the write in flight
    client.get(reverse("lessons:lesson_list"))
    assert sorted(LessonProgress.objects.values_list("learner", flat=True)) == [account.pk, account.pk]


@pytest.mark.django_db
def test_the_merged_learner_is_deleted_once_the_log_in_has_settled(client):
    lesson = LessonFactory()
    client.post(reverse("lessons:lesson_complete", args=[lesson.slug]))
    user = UserFactory()
    LearnerFactory(user=user)
    client.post(reverse("learners:login"), {"username": user.username, "password": PASSWORD})
    session = client.session
    session[MERGED_KEY] = [session[MERGED_KEY][0], time.time() - SETTLE_SECONDS - 1]
    session.save()
    client.get(reverse("lessons:lesson_list"))
    assert list(Learner.objects.values_list("user", flat=True)) == [user.pk]
    assert MERGED_KEY not in client.session
    assert LessonProgress.objects.get().learner.user == user


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_write_committing_during_the_log_in_ends_up_in_the_account(client):
    user = UserFactory()
    account = LearnerFactory(user=user)
    anonymous = LearnerFactory()
    lessons = LessonFactory.create_batch(2)
    LessonProgress.objects.create(learner=anonymous, lesson=lessons[0])
    session = client.session
    session[SESSION_KEY] = anonymous.pk
    session.save()
    written = threading.Event()

    def slow_writer():
        # Another tab's write, still open when the log-in starts merging.
        with transaction.atomic():
            LessonProgress.objects.create(learner=anonymous, lesson=lessons[1])
            written.set()
            time.sleep(0.5)

    def log_in():
        written.wait(timeout=10)
        return client.post(reverse("learners:login"), {"username": user.username, "password": PASSWORD})

    results = at_once(slow_writer, log_in)
    assert results[1].status_code == 302
    client.get(reverse("lessons:lesson_list"))
    assert sorted(LessonProgress.objects.values_list("learner", "lesson")) == [
        (account.pk, lessons[0].pk),
        (account.pk, lessons[1].pk),
    ]
