"""A learner's own data: the account page, the JSON download, deletion, and the privacy page."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from learners import data
from learners.current import SESSION_KEY, record_relations
from learners.models import Learner
from lessons.models import LessonProgress
from lessons.tests.factories import LessonFactory
from quizzes.models import Attempt, AttemptQuestion, Response
from quizzes.tests.factories import SingleQuestionFactory

from .factories import PASSWORD, LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def study(learner):
    """A lesson done and a quiz with one answered question."""
    LessonProgress.objects.create(learner=learner, lesson=LessonFactory(title="Of and in"))
    question = SingleQuestionFactory()
    attempt = Attempt.objects.create(learner=learner, topic="everything", title="Everything")
    AttemptQuestion.objects.create(attempt=attempt, question=question, position=1)
    Response.objects.create(attempt=attempt, question=question, answer={"choice": 1}, correct=True, score=1)
    return attempt


def every_record_model() -> set:
    """What the export must cover: models pointing at Learner, and the rows they own."""
    found, queue = set(), [rel.related_model for rel in record_relations()]
    while queue:
        model = queue.pop()
        if model in found:
            continue
        found.add(model)
        queue += [
            r.related_model
            for r in model._meta.related_objects
            if isinstance(r, models.ManyToOneRel) and r.on_delete is models.CASCADE
        ]
    return found


def test_the_export_covers_every_model_that_points_at_a_learner():
    learner = LearnerFactory()
    study(learner)
    labels = {records.label for records in data.records_of(learner)}
    assert labels == {model._meta.label_lower for model in every_record_model()}
    assert {
        "lessons.lessonprogress",
        "quizzes.attempt",
        "quizzes.attemptquestion",
        "quizzes.response",
    } <= labels


def test_an_anonymous_learner_downloads_everything_recorded(client):
    client.post(reverse("lessons:lesson_complete", args=[LessonFactory().slug]))
    learner = Learner.objects.get()
    attempt = study(learner)
    response = client.get(reverse("learners:account_data"))
    assert response["Content-Disposition"] == 'attachment; filename="srm-trainer-my-data.json"'
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    exported = json.loads(response.content)
    assert exported["account"] is None
    assert exported["learner"]["id"] == learner.pk
    assert len(exported["records"]["lessons.lessonprogress"]) == 2
    assert exported["records"]["quizzes.attempt"][0]["id"] == str(attempt.pk)
    assert exported["records"]["quizzes.response"][0]["answer"] == {"choice": 1}


def test_the_download_holds_only_the_learners_own_records(client):
    study(LearnerFactory())  # somebody else
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    exported = json.loads(client.get(reverse("learners:account_data")).content)
    assert exported["account"]["username"] == user.username
    assert exported["account"]["email"] == "ada@example.com"
    assert exported["records"] == {}


def test_the_account_page_says_what_is_recorded(client):
    user = UserFactory()
    study(LearnerFactory(user=user))
    client.force_login(user)
    response = client.get(reverse("learners:account"))
    assertContains(
        response, "<tr><td>Lesson progress</td><td>Responsibility model</td><td>1</td></tr>", html=True
    )
    assertContains(response, "<tr><td>Responses</td><td>Quizzes</td><td>1</td></tr>", html=True)
    assertContains(response, 'href="/accounts/data.json"')
    assertContains(response, '<label for="id_password">Your password</label>', html=True)


def test_an_account_deletes_itself_after_the_password(client):
    user = UserFactory()
    study(LearnerFactory(user=user))
    study(LearnerFactory())  # somebody else's records stay
    client.force_login(user)
    response = client.post(reverse("learners:account_delete"), {"password": PASSWORD})
    assertRedirects(response, reverse("home"))
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert Learner.objects.count() == 1
    assert Attempt.objects.count() == Response.objects.count() == LessonProgress.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_deletes_nothing(client):
    user = UserFactory()
    study(LearnerFactory(user=user))
    client.force_login(user)
    response = client.post(reverse("learners:account_delete"), {"password": "not-it"})
    assertContains(response, "That is not your password. Nothing was deleted.")
    assert get_user_model().objects.filter(pk=user.pk).exists()
    assert Response.objects.count() == 1


def test_password_guesses_on_the_delete_form_are_throttled(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    user = UserFactory()
    client.force_login(user)
    for _ in range(2):
        client.post(reverse("learners:account_delete"), {"password": "not-it"})
    response = client.post(reverse("learners:account_delete"), {"password": PASSWORD})
    assertContains(response, "Too many failed log-in attempts")
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_an_anonymous_learner_clears_their_records(client):
    client.post(reverse("lessons:lesson_complete", args=[LessonFactory().slug]))
    study(Learner.objects.get())
    other = LearnerFactory()
    study(other)
    response = client.post(reverse("learners:account_delete"))
    assertRedirects(response, reverse("learners:account"))
    assert list(Learner.objects.all()) == [other]
    assert SESSION_KEY not in client.session
    assertContains(client.get(reverse("learners:account")), "Nothing has been recorded in this browser yet.")


def test_clearing_and_deleting_need_post_and_csrf():
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.get(reverse("learners:account_delete")).status_code == 405
    assert csrf_client.post(reverse("learners:account_delete")).status_code == 403


def test_the_privacy_page_says_what_how_long_and_why_and_the_footer_links_it(client):
    response = client.get(reverse("privacy"))
    assertContains(response, "What is stored, and why")
    assertContains(response, "After 30 days without a visit")
    home = client.get(reverse("home"))
    assertContains(home, '<a href="/privacy/">Privacy</a>', html=True)
    assertContains(home, '<a href="/accounts/">Your data</a>', html=True)
