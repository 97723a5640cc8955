"""The quiz round trip does only what it must: exact query counts, whatever the content size or answers."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from learners.models import Learner
from lessons import documents
from lessons.tests.factories import DutyFactory
from quizzes import attempts
from quizzes.loading import generate
from quizzes.models import Kind, Question

from .answers import right_answer_data, wrong_answer_data
from .factories import ControlTypeFactory, SingleQuestionFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def every_kind(bank):
    ControlTypeFactory(slug="inherited", name="Inherited", examples=["Badge readers"])
    ControlTypeFactory(slug="shared", name="Shared", examples=["Patching"])
    generate()
    SingleQuestionFactory(slug="scenario")
    SingleQuestionFactory(
        slug="scenario-many", kind=Kind.MULTIPLE, options=[("A", True), ("B", True), ("C", False)]
    )
    return {kind: Question.objects.filter(kind=kind).order_by("slug").first() for kind in Kind.values}


def sitting(client, questions):
    """An attempt over these questions for the client's learner, its session already warm."""
    client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    learner = Learner.objects.get()
    title = f"Counted {learner.attempts.count()}"  # a new set-up each time, never the idempotent reopen
    attempt = attempts.start_attempt(learner, topic="everything", title=title, questions=questions)
    client.get(reverse("quizzes:attempt_list"))  # once-a-while session and activity writes happen here
    return attempt


def count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = fn()
    assert response.status_code in (200, 302)
    return len(queries)


def grow_content():
    """Five times the duties, whose questions the counted pages must not touch one by one."""
    for _ in range(48):
        DutyFactory()
    generate()
    documents.content_changed()  # as load_content does: what is cached under the old version is not read


def measure(client, every_kind, kind):
    question, other = every_kind[kind], every_kind[Kind.OWNER if kind != Kind.OWNER else Kind.MATRIX]
    attempt = sitting(client, [question, other])
    page = reverse("quizzes:attempt_question", args=[attempt.pk, 1])
    answer = reverse("quizzes:attempt_answer", args=[attempt.pk, 1])
    data = right_answer_data(question)
    return {
        "question": count(lambda: client.get(page)),
        "question again": count(lambda: client.get(page)),
        "question htmx": count(lambda: client.get(page, headers=HX)),
        "answer": count(lambda: client.post(answer, data, headers=HX)),
        "repeat": count(lambda: client.post(answer, data, headers=HX)),
        "feedback": count(lambda: client.get(page)),
    }


# Every page starts with 5: the session, the learner, the attempt, the slot (its question and response ids
# in one statement), the content version. The question's row (foreign keys joined) and its card's form are
# cached under the content version, so a first view anyone's since pays the question and its kind's own
# relations once ("question", "question htmx": the form differs by autofocus), and later views none
# ("question again"). The answer adds the write: its key's relations, a savepoint, the attempt's counters
# (which lock its row), the response, the check for open questions, the release; and the learner's review
# card (quizzes.review): the card (locked), the retention target, its write and its log. Its feedback
# ("repeat", "feedback") reads the response; today's key is cached under the content version.
EXPECTED = {
    Kind.OWNER: {
        "question": 8,
        "question again": 5,
        "question htmx": 7,
        "answer": 17,
        "repeat": 6,
        "feedback": 6,
    },
    Kind.MYTH_FACT: {
        "question": 8,
        "question again": 5,
        "question htmx": 7,
        "answer": 16,
        "repeat": 6,
        "feedback": 6,
    },
    Kind.CONTROL: {
        "question": 7,
        "question again": 5,
        "question htmx": 6,
        "answer": 16,
        "repeat": 6,
        "feedback": 6,
    },
    Kind.SINGLE: {
        "question": 7,
        "question again": 5,
        "question htmx": 6,
        "answer": 19,
        "repeat": 6,
        "feedback": 6,
    },
    Kind.MULTIPLE: {
        "question": 7,
        "question again": 5,
        "question htmx": 6,
        "answer": 19,
        "repeat": 6,
        "feedback": 6,
    },
    Kind.MATRIX: {
        "question": 7,
        "question again": 5,
        "question htmx": 6,
        "answer": 15,
        "repeat": 6,
        "feedback": 6,
    },
    Kind.SORT: {
        "question": 7,
        "question again": 5,
        "question htmx": 6,
        "answer": 18,
        "repeat": 6,
        "feedback": 6,
    },
}


@pytest.mark.parametrize("kind", Kind.values)
def test_question_page_and_answer_cost_exact_queries_per_kind(client, every_kind, kind):
    counts = measure(client, every_kind, kind)
    grow_content()
    # A day later, when the review card may move again (it moves at most once a day).
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert measure(client, every_kind, kind) == counts
    assert counts == EXPECTED[kind]


def finish(client, attempt, *, wrong=()):
    for slot in attempt.slots.select_related("question"):
        data = (wrong_answer_data if slot.position in wrong else right_answer_data)(slot.question)
        client.post(reverse("quizzes:attempt_answer", args=[attempt.pk, slot.position]), data)


def test_results_cost_the_same_whatever_the_length_answers_or_content(client, every_kind):
    short = sitting(client, list(every_kind.values()))
    finish(client, short, wrong=range(1, 8))
    results = reverse("quizzes:attempt_results", args=[short.pk])
    few = count(lambda: client.get(results))
    # Seen again: the session, the learner, the attempt and the content version; the summary is cached.
    again = count(lambda: client.get(results))
    grow_content()
    more = list(
        Question.objects.live()
        .filter(kind__in=[Kind.OWNER, Kind.MYTH_FACT])
        .exclude(pk__in=[q.pk for q in every_kind.values()])[:13]
    )
    long = sitting(client, list(every_kind.values()) + more)
    finish(client, long, wrong=range(1, 21))
    many = count(lambda: client.get(reverse("quizzes:attempt_results", args=[long.pk])))
    half = sitting(client, list(every_kind.values()) + more)
    finish(client, half, wrong=range(1, 21))
    half.responses.filter(question__in=more[:6]).delete()  # answered only in part
    partly = count(lambda: client.get(reverse("quizzes:attempt_results", args=[half.pk])))
    # A fixed number per kind of question missed (its relations, its key's), never per question.
    assert (few, many, partly, again) == (28, 28, 28, 4)


def test_history_and_set_up_cost_the_same_whatever_the_number_of_attempts(client, every_kind):
    sitting(client, [every_kind[Kind.OWNER]])
    history = reverse("quizzes:attempt_list")
    one = count(lambda: client.get(history))
    for _ in range(5):
        finish(client, sitting(client, [every_kind[Kind.OWNER], every_kind[Kind.SORT]]))
    assert count(lambda: client.get(history)) == one == 3
    setup = reverse("quizzes:quiz_setup")
    # The session and the content version: the topic choices and their rendered selects are cached under it.
    assert count(lambda: client.get(setup, {"topic": "service:ec2", "length": 10})) == 2
    grow_content()
    client.get(setup, {"topic": "service:ec2", "length": 10})  # rebuilt once for the new content version
    assert count(lambda: client.get(setup, {"topic": "service:ec2", "length": 10})) == 2
