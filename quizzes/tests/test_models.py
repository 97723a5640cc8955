"""Database rules: each kind has the references it needs; attempts and responses stay consistent."""

import pytest
from django.db import IntegrityError, transaction

from learners.models import Learner
from lessons.tests.factories import DutyFactory, ServiceFactory
from quizzes.models import Attempt, Kind, Option, Question, Response

from .factories import ControlTypeFactory, SingleQuestionFactory

pytestmark = pytest.mark.django_db


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            Question.objects.create(slug="q", **fields)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    ("kind", "missing", "complete"),
    [
        (Kind.OWNER, {}, lambda: {"duty": DutyFactory()}),
        (Kind.MYTH_FACT, {"duty": None}, lambda: {"duty": DutyFactory(), "claimed_owner": "AWS"}),
        (
            Kind.CONTROL,
            {"prompt": "Which type?"},
            lambda: {"control_type": ControlTypeFactory(), "prompt": "?"},
        ),
        (Kind.MATRIX, {}, lambda: {"service": ServiceFactory()}),
        (Kind.SINGLE, {"prompt": ""}, lambda: {"prompt": "Who?"}),
        (Kind.MULTIPLE, {"prompt": ""}, lambda: {"prompt": "Who?"}),
        (Kind.SORT, {"prompt": ""}, lambda: {"prompt": "Sort these."}),
    ],
)
def test_each_kind_needs_its_references(kind, missing, complete):
    assert refused(kind=kind, **missing)
    assert not refused(kind=kind, **complete())


def test_a_claim_needs_the_owner_it_claims():
    assert refused(kind=Kind.MYTH_FACT, duty=DutyFactory(), claimed_owner="")
    assert refused(kind=Kind.MYTH_FACT, duty=DutyFactory(), claimed_owner="Nobody")


def test_a_choice_question_cannot_point_at_a_duty():
    assert refused(kind=Kind.SINGLE, prompt="Who?", duty=DutyFactory())


def test_an_unknown_kind_is_refused():
    assert refused(kind="essay", prompt="Write.")


def test_deleting_content_retires_its_questions_and_keeps_answers():
    duty = DutyFactory()
    question = Question.objects.create(slug="owner-x", kind=Kind.OWNER, duty=duty)
    attempt = Attempt.objects.create(learner=Learner.objects.create(), topic="everything", title="t", total=1)
    Response.objects.create(
        attempt=attempt, question=question, answer={}, correct=True, score=1, snapshot={"k": 1}
    )
    duty.delete()
    question.refresh_from_db()
    assert question.retired and question.duty is None
    assert Response.objects.filter(question=question).exists()


def test_two_options_cannot_share_a_position():
    question = SingleQuestionFactory()
    with pytest.raises(IntegrityError):
        Option.objects.create(question=question, text="Again", explanation="x", position=0)


def test_an_attempt_cannot_count_more_answers_than_questions():
    with pytest.raises(IntegrityError):
        Attempt.objects.create(
            learner=Learner.objects.create(), topic="t", title="t", total=1, answered_count=2
        )


def test_a_score_stays_between_0_and_1():
    question = SingleQuestionFactory()
    attempt = Attempt.objects.create(learner=Learner.objects.create(), topic="t", title="t", total=1)
    with pytest.raises(IntegrityError):
        Response.objects.create(attempt=attempt, question=question, answer={}, correct=True, score=2)
