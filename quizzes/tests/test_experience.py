"""Learner experience (issue 10): one set-up form and results that lead on."""

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from lessons.models import Owner
from lessons.tests.factories import CategoryFactory, DutyFactory, LayerFactory, LessonFactory, ServiceFactory
from quizzes import attempts
from quizzes.models import Attempt

from .factories import OwnerQuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def path():
    """Lesson 1 teaches a layer; lesson 2 teaches a category. One question on each, one on neither."""
    data, os_layer = LayerFactory(slug="customer-data"), LayerFactory(slug="guest-os")
    infra, container = CategoryFactory(slug="infrastructure"), CategoryFactory(slug="container")
    ec2 = ServiceFactory(slug="ec2", category=infra)
    rds = ServiceFactory(slug="rds", category=container)
    lessons = [
        LessonFactory(slug="core-split", order=1, teaches=["layer:customer-data"], quiz="everything"),
        LessonFactory(slug="infrastructure", order=2, teaches=["category:infrastructure"], quiz="everything"),
    ]
    general = OwnerQuestionFactory(duty=DutyFactory(layer=data, owner=Owner.CUSTOMER))
    general.layers.add(data)
    on_ec2 = OwnerQuestionFactory(duty=DutyFactory(layer=os_layer, services=[ec2]))
    on_ec2.layers.add(os_layer)
    on_ec2.services.add(ec2)
    on_rds = OwnerQuestionFactory(duty=DutyFactory(layer=data, services=[rds]))
    on_rds.layers.add(data)
    on_rds.services.add(rds)
    return {"lessons": lessons, "general": general, "ec2": on_ec2, "rds": on_rds}


def test_the_lesson_page_starts_its_own_quiz(client, path):
    response = client.post(reverse("quizzes:quiz_start"), {"topic": "lesson:core-split", "length": 5})
    attempt = Attempt.objects.get()
    assertRedirects(response, attempt.get_absolute_url(), fetch_redirect_response=False)
    assert attempt.title.startswith("Lesson 1: ")


def test_get_a_link_posts_the_same_choice_and_returns_with_its_link(client, path):
    response = client.post(
        reverse("quizzes:quiz_start"), {"topic": "lesson:core-split", "length": 10, "share": "1"}
    )
    assertRedirects(response, reverse("quizzes:quiz_setup") + "?topic=lesson%3Acore-split&length=10")
    assert not Attempt.objects.exists()
    page = client.get(response["Location"])
    assertContains(page, 'id="share-link" href="/quizzes/?topic=lesson%3Acore-split&amp;length=10"')
    assertContains(page, 'value="lesson:core-split" selected')


def test_setup_is_one_form_with_no_stale_hidden_choice(client, path):
    html = client.get(reverse("quizzes:quiz_setup")).content.decode()
    assert html.count('action="/quizzes/start/"') == 1
    assert 'type="hidden" name="topic"' not in html


def test_partial_credit_reads_as_questions_not_points(path):
    from quizzes.models import Response

    question = path["general"]
    answers = [(True, 1), (False, 0.6), (False, 0.2), (False, 0)]
    slots = [
        attempts.Slot(n, question, Response(correct=correct, score=score))
        for n, (correct, score) in enumerate(answers, 1)
    ]
    summary = attempts.Summary(attempt=None, slots=slots, score=1.8, answered=4, total=4, seconds=None)
    assert (summary.right, summary.partly) == (1, 2)


def test_results_lead_back_to_the_lesson_and_on_to_the_next(client, path):
    client.post(reverse("quizzes:quiz_start"), {"topic": "lesson:core-split", "length": 5})
    attempt = Attempt.objects.get()
    html = client.get(reverse("quizzes:attempt_results", args=[attempt.pk])).content.decode()
    first, second = path["lessons"]
    assert f'href="{first.get_absolute_url()}">Back to the lesson' in html
    assert f"Next lesson: {second.title}" in html
    assert "You finished the learning path" not in html
    # The score and the next step come before the folded breakdown.
    assert html.index("score-line") < html.index("Next lesson") < html.index('<details class="breakdown">')


def test_results_after_the_last_lesson_offer_what_next(client, path):
    client.post(reverse("quizzes:quiz_start"), {"topic": "lesson:infrastructure", "length": 5})
    attempt = Attempt.objects.get()
    response = client.get(reverse("quizzes:attempt_results", args=[attempt.pk]))
    assertContains(response, "You finished the learning path. What next?")
    assertContains(response, "Exam practice")
    assertNotContains(response, "Next lesson:")


def test_home_offers_to_continue_where_the_learner_left_off(client, path):
    assertNotContains(client.get(reverse("home")), "Continue where you left off")
    first, second = path["lessons"]
    client.post(reverse("lessons:lesson_complete", args=[first.slug]))
    response = client.get(reverse("home"))
    assertContains(response, "Continue where you left off")
    assertContains(response, f"Next lesson: {second.title}")


def test_admin_preview_shows_the_key_in_words_and_help_texts_keep_placeholders(admin_client, bank):
    from quizzes.models import Kind, Question

    question = Question.objects.filter(kind=Kind.OWNER).first()
    html = admin_client.get(reverse("admin:quizzes_question_preview", args=[question.pk])).content.decode()
    assert "{&#x27;choice&#x27;" not in html and "{'choice'" not in html
    assert '<ul class="answer-key">' in html
    assertContains(admin_client.get(reverse("admin:quizzes_question_add")), "service:&lt;slug&gt;")


@pytest.mark.parametrize("kind", ["matrix", "sort"])
def test_row_questions_offer_i_guessed_once(client, bank, kind):
    from learners.models import Learner
    from quizzes.models import Question

    question = Question.objects.filter(kind=kind).first()
    learner = Learner.objects.create()
    session = client.session
    session["learner_id"] = learner.pk
    session.save()
    attempt = attempts.start_attempt(learner, topic="everything", title="Rows", questions=[question])
    html = client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1])).content.decode()
    assert html.count('name="guessed"') == 1
    assert (
        html.count("<select") == len(question.service.cells.all())
        if kind == "matrix"
        else html.count("<select") > 1
    )


def test_i_guessed_is_a_box_before_its_words_with_its_help_tied_to_it(client, bank):
    """A lone checkbox reads "[ ] I guessed", its help under the words, not "I guessed:" above a box that
    sits beside the Check answer button."""
    from learners.models import Learner
    from quizzes.models import Question

    learner = Learner.objects.create()
    session = client.session
    session["learner_id"] = learner.pk
    session.save()
    attempt = attempts.start_attempt(
        learner, topic="everything", title="One", questions=[Question.objects.filter(kind="owner").first()]
    )
    html = client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1])).content.decode()
    field = re.search(r'<div class="check-field">(.*?)</div>\s*</div>', html, re.S).group(1)
    box, label, helptext = (
        field.index(part) for part in ('type="checkbox"', "<label", 'id="id_guessed_helptext"')
    )
    assert box < label < helptext
    assert 'aria-describedby="id_guessed_helptext"' in field
    assert '<label for="id_guessed">I guessed</label>' in field
