"""Generation, drawing and grading of every question kind."""

import random

import pytest

from learners.models import Learner
from lessons.models import Owner
from quizzes import attempts
from quizzes.grading import AlreadyAnswered, grade, matched_misconception, record_answer
from quizzes.models import Kind, Question, Response
from quizzes.questions import correct_answer, present

from .factories import SingleQuestionFactory

pytestmark = pytest.mark.django_db


def test_every_duty_gets_an_owner_question_read_live_from_the_duty(bank):
    duty = bank["duties"][0]
    question = Question.objects.get(slug=f"owner-{duty.slug}")
    assert duty.statement in present(question).prompt
    assert correct_answer(question) == {"choice": Owner.AWS}
    duty.owner = Owner.SHARED
    duty.save()
    question.refresh_from_db()
    assert correct_answer(question) == {"choice": Owner.SHARED}, "the key follows the data"


def test_generation_covers_myths_matrices_sorts_and_is_idempotent(bank):
    kinds = set(Question.objects.values_list("kind", flat=True))
    assert {Kind.OWNER, Kind.MYTH_FACT, Kind.MATRIX, Kind.SORT} <= kinds
    before = Question.objects.count()
    from quizzes.loading import generate

    generate()
    assert Question.objects.count() == before


def test_myth_questions_are_answered_myth_and_explain_the_correction(bank):
    question = Question.objects.get(misconception=bank["myth"])
    assert correct_answer(question) == {"choice": "myth"}
    assert grade(question, {"choice": "myth"}).correct
    assert not grade(question, {"choice": "fact"}).correct


def test_fact_questions_state_a_true_or_a_false_owner(bank):
    claims = Question.objects.filter(kind=Kind.MYTH_FACT, duty__isnull=False)
    assert {q.statement_is_true for q in claims} == {True, False}
    for q in claims:
        prompt = present(q).prompt
        expected = "fact" if q.statement_is_true else "myth"
        assert correct_answer(q) == {"choice": expected}
        assert q.duty.statement in prompt


def test_sort_questions_mix_owners_and_grade_per_statement(bank):
    question = Question.objects.get(kind=Kind.SORT)
    items = list(question.sort_items.all())
    assert len(items) == 7
    assert {i.duty.owner for i in items} == {Owner.AWS, Owner.CUSTOMER, Owner.SHARED}
    key = correct_answer(question)["cells"]
    answer = {"cells": dict(key)}
    first = next(iter(key))
    answer["cells"][first] = Owner.AWS if key[first] != Owner.AWS else Owner.CUSTOMER
    graded = grade(question, answer)
    assert not graded.correct
    assert graded.score == pytest.approx(6 / 7)


def test_matrix_questions_grade_each_cell(bank):
    question = Question.objects.get(kind=Kind.MATRIX, service=bank["service"])
    assert grade(question, {"cells": {"cell-physical": "AWS", "cell-guest-os": "Shared"}}).correct
    half = grade(question, {"cells": {"cell-physical": "AWS", "cell-guest-os": "Customer"}})
    assert (half.correct, half.score) == (False, 0.5)


def test_single_and_multiple_choice_grading(db):
    single = SingleQuestionFactory()
    right = single.options.get(correct=True)
    assert grade(single, {"choice": str(right.pk)}).correct
    assert not grade(single, {"choice": str(single.options.exclude(pk=right.pk).first().pk)}).correct
    multiple = SingleQuestionFactory(kind=Kind.MULTIPLE, options=[("A", True), ("B", True), ("C", False)])
    ids = sorted(str(o.pk) for o in multiple.options.filter(correct=True))
    assert grade(multiple, {"choices": ids}).correct
    assert not grade(multiple, {"choices": ids[:1]}).correct


def test_a_wrong_owner_that_matches_a_myth_returns_its_correction(bank):
    question = Question.objects.get(slug=f"owner-{bank['duties'][4].slug}")
    assert matched_misconception(question, {"choice": Owner.AWS}) == bank["myth"]
    assert matched_misconception(question, {"choice": Owner.CUSTOMER}) is None


def test_drawing_has_no_repeats_and_balances_owners(bank):
    drawn = attempts.draw("everything", 20, rng=random.Random(7))
    assert len(drawn) == len(set(drawn)) == 20
    owners = [q.duty.owner for q in drawn if q.kind == Kind.OWNER]
    assert max(owners.count(o) for o in set(owners)) - min(owners.count(o) for o in set(owners)) <= 1


@pytest.mark.parametrize(
    ("topic", "check"),
    [
        ("misconceptions", lambda q: q.misconception_id is not None),
        ("service:ec2", lambda q: q.services.filter(slug="ec2").exists()),
        (
            "category:infrastructure",
            lambda q: (
                q.services.filter(category__slug="infrastructure").exists()
                or q.categories.filter(slug="infrastructure").exists()
            ),
        ),
    ],
)
def test_drawing_respects_the_topic(bank, topic, check):
    drawn = attempts.draw(topic, 10, rng=random.Random(1))
    assert drawn
    assert all(check(q) for q in drawn)


def test_recording_an_answer_twice_keeps_the_first(bank):
    learner = Learner.objects.create()
    question = Question.objects.filter(kind=Kind.OWNER).first()
    attempt = attempts.start_attempt(learner, topic="everything", title="Everything", questions=[question])
    first = record_answer(attempt, question, {"choice": question.duty.owner})
    with pytest.raises(AlreadyAnswered) as exc:
        record_answer(attempt, question, {"choice": "AWS"})
    assert exc.value.response == first
    assert Response.objects.count() == 1
    attempt.refresh_from_db()
    assert attempt.finished_at is not None


def test_the_real_bank_has_over_three_hundred_questions_of_every_kind(real_pack):
    live = Question.objects.live()
    assert live.count() >= 300
    assert live.filter(kind__in=[Kind.SINGLE, Kind.MULTIPLE]).count() >= 80
    assert set(live.values_list("kind", flat=True)) == set(Kind.values)
    for question in live.filter(kind__in=[Kind.SINGLE, Kind.MULTIPLE]):
        assert question.sources and question.explanation and question.options.count() >= 3
