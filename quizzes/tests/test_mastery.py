"""My progress: levels from answers and review cards, the charts' data, the next step, a fixed query count."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains

from learners.models import Learner
from quizzes import mastery
from quizzes.grading import record_answer
from quizzes.models import Attempt, AttemptQuestion, Question, Response, ReviewCard

from .answers import as_answer, right_answer_data
from .factories import ReviewCardFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("questions", "answers", "right", "mature", "level"),
    [
        (0, 0, 0, 0, "not started"),
        (2, 2, 2, 0, "attempted"),
        (4, 4, 2, 0, "attempted"),
        (3, 3, 2, 0, "familiar"),
        (5, 5, 4, 0, "proficient"),
        (5, 5, 4, 3, "proficient"),
        (5, 5, 5, 4, "mastered"),
    ],
)
def test_levels_follow_the_stated_thresholds(questions, answers, right, mature, level):
    standing = mastery.Standing("service:ec2", "EC2", questions, answers, right, mature)
    assert standing.level == level


def answer_many(learner, questions, *, rounds: int, wrong_every: int = 3, start=NOON) -> None:
    """rounds attempts over the questions, in bulk: one Response per question per attempt."""
    for r in range(rounds):
        attempt = Attempt.objects.create(
            learner=learner, topic="everything", title=f"Round {r}", total=len(questions)
        )
        AttemptQuestion.objects.bulk_create(
            AttemptQuestion(attempt=attempt, question=q, position=i + 1) for i, q in enumerate(questions)
        )
        rows = Response.objects.bulk_create(
            Response(
                attempt=attempt,
                question=q,
                answer={},
                correct=i % wrong_every != 0,
                score=float(i % wrong_every != 0),
            )
            for i, q in enumerate(questions)
        )
        Response.objects.filter(pk__in=[x.pk for x in rows]).update(
            answered_at=start - timedelta(days=r % 20)
        )


def quiz_learner(client) -> Learner:
    """The client's learner, made by starting a quiz (its session is then warm)."""
    client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    return Learner.objects.get()


def progress_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("prep:progress_page"))
    assert response.status_code == 200
    return len(queries)


@time_machine.travel(NOON, tick=False)
def test_the_page_costs_the_same_with_10_and_1000_answers(client, bank):
    learner = quiz_learner(client)
    questions = list(Question.objects.live()[:40])
    answer_many(learner, questions[:10], rounds=1)
    client.get(reverse("prep:progress_page"))  # the session and the header's count are warm
    answer_many(learner, questions[:1], rounds=1)  # a new answer: the answers part is built afresh
    few = progress_queries(client), progress_queries(client)
    answer_many(learner, questions, rounds=1000 // len(questions) + 1)
    assert Response.objects.filter(attempt__learner=learner).count() >= 1000
    many = progress_queries(client), progress_queries(client)
    # Built: session, learner, answers stamp, content version, 3 name lists, lessons, the per-question
    # totals, mature cards, 5 for the questions' tags, the days; then lessons done, cards and exams.
    # From the cache: session, learner, stamp, content version, lessons done, cards, exams.
    assert few == many == (19, 7)


@time_machine.travel(NOON, tick=False)
def test_a_new_answer_shows_at_once_on_the_cached_page(client, bank):
    learner = quiz_learner(client)
    questions = list(Question.objects.live()[:10])
    answer_many(learner, questions[:3], rounds=1)
    assertContains(client.get(reverse("prep:progress_page")), "<strong>3</strong> answers in all", html=True)
    attempt = Attempt.objects.filter(learner=learner).latest("started_at")
    record_answer(attempt, questions[0], as_answer(right_answer_data(questions[0])))
    page = client.get(reverse("prep:progress_page"))
    assertContains(page, "<strong>4</strong> answers in all", html=True)
    assertContains(page, "<td>4</td>", html=True)  # the days table, inside the cached fragment


@time_machine.travel(NOON, tick=False)
def test_the_weakest_started_topic_is_the_suggested_next_step(client, bank):
    learner = quiz_learner(client)
    ec2_questions = list(Question.objects.live().filter(services=bank["service"])[:6])
    answer_many(learner, ec2_questions, rounds=1, wrong_every=2)
    progress = mastery.progress(learner)
    assert progress.next_step is not None
    assert progress.next_step.quiz_topic in {"service:ec2", "category:infrastructure"}
    page = client.get(reverse("prep:progress_page"))
    assertContains(
        page, f'<input type="hidden" name="topic" value="{progress.next_step.quiz_topic}">', html=True
    )
    assertContains(page, "Practise")


@time_machine.travel(NOON, tick=False)
def test_mastered_needs_mature_cards_and_the_charts_have_their_tables(client, bank):
    learner = quiz_learner(client)
    questions = list(Question.objects.live().filter(services=bank["service"])[:5])
    answer_many(learner, questions, rounds=2, wrong_every=100)
    service = next(s for s in mastery.progress(learner).services if s.key == "service:ec2")
    assert service.level == "proficient"
    for q in questions:
        ReviewCardFactory(learner=learner, question=q, stability=30)
    cache.clear()  # cards move only with an answer, which renews the cache; these were made without one
    service = next(s for s in mastery.progress(learner).services if s.key == "service:ec2")
    assert service.level == "mastered"
    progress = mastery.progress(learner)
    assert [d.day for d in progress.days] == [(NOON - timedelta(days=1)).date(), NOON.date()]
    assert progress.days_practised == 2
    assert len(progress.strip_cells) == 28 and sum(c.on for c in progress.strip_cells) == 2
    page = client.get(reverse("prep:progress_page"))
    assertContains(page, "<caption>Accuracy by day (UTC)</caption>", html=True)
    assertContains(page, 'class="chart-bar"', count=2)
    assertContains(page, "2 of the last 28 days.")
    assert ReviewCard.objects.filter(learner=learner).count() == 5


def test_a_visitor_with_no_answers_is_offered_a_first_quiz(client, db):
    page = client.get(reverse("prep:progress_page"))
    assertContains(page, "You have not answered anything yet.")
    assertContains(page, "No answers yet: the chart starts with your first quiz.")
    assert not Learner.objects.exists()
