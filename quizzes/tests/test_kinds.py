"""Generation, presenting, drawing and grading of every question kind."""

import random

import pytest

from learners.models import Learner
from lessons.models import Owner
from quizzes import attempts, kinds
from quizzes.grading import AlreadyAnswered, record_answer
from quizzes.loading import generate
from quizzes.models import Kind, Question, Response

from .answers import key_of
from .factories import SingleQuestionFactory

pytestmark = pytest.mark.django_db


def test_every_kind_has_one_module_with_the_whole_contract():
    for kind in Kind.values:
        module = kinds.kind_module(kind)
        for name in ("PREFETCH", "TEMPLATE", "SHAPE", "present", "snapshot", "bucket", "topics", "subjects"):
            assert hasattr(module, name), f"{kind} lacks {name}"


def test_every_duty_gets_an_owner_question_read_live_from_the_duty(bank):
    duty = bank["duties"][0]
    question = Question.objects.get(slug=f"owner-{duty.slug}")
    assert duty.statement in kinds.present(question).prompt
    assert key_of(question) == {"choice": Owner.AWS}
    duty.owner = Owner.SHARED
    duty.save()
    question = Question.objects.get(pk=question.pk)
    assert key_of(question) == {"choice": Owner.SHARED}, "the key follows the data"


def test_generation_covers_claims_matrices_sorts_and_is_idempotent(bank):
    kinds_made = set(Question.objects.values_list("kind", flat=True))
    assert {Kind.OWNER, Kind.MYTH_FACT, Kind.MATRIX, Kind.SORT} <= kinds_made
    before = sorted(Question.objects.values_list("pk", "slug"))
    generate()
    assert sorted(Question.objects.values_list("pk", "slug")) == before


def test_a_misconception_about_a_duty_becomes_a_false_claim_with_its_correction(bank):
    question = Question.objects.get(misconception=bank["myth"])
    assert question.kind == Kind.MYTH_FACT
    assert question.claimed_owner == Owner.AWS and question.duty.owner == Owner.CUSTOMER
    kinds.load([question])
    snapshot = kinds.snapshot(question)
    assert snapshot["key"] == {"choice": "myth"}
    assert snapshot["explanation"] == "You patch it."
    assert kinds.grade(snapshot, {"choice": "myth"}).correct
    assert not kinds.grade(snapshot, {"choice": "fact"}).correct


def test_claims_are_facts_exactly_when_they_name_the_duties_owner(bank):
    claims = Question.objects.filter(kind=Kind.MYTH_FACT)
    assert {q.claimed_owner == q.duty.owner for q in claims} == {True, False}
    for q in claims:
        expected = "fact" if q.claimed_owner == q.duty.owner else "myth"
        assert key_of(q) == {"choice": expected}
        assert q.duty.statement in kinds.present(q).prompt


def test_sort_questions_mix_owners_and_grade_per_statement(bank):
    question = Question.objects.get(kind=Kind.SORT)
    items = list(question.sort_items.all())
    assert len(items) == 7
    assert {i.duty.owner for i in items} == {Owner.AWS, Owner.CUSTOMER, Owner.SHARED}
    kinds.load([question])
    snapshot = kinds.snapshot(question)
    key = snapshot["key"]["cells"]
    answer = {"cells": dict(key)}
    first = next(iter(key))
    answer["cells"][first] = Owner.AWS if key[first] != Owner.AWS else Owner.CUSTOMER
    graded = kinds.grade(snapshot, answer)
    assert not graded.correct
    assert graded.score == pytest.approx(6 / 7)


def test_matrix_questions_grade_each_cell(bank):
    question = Question.objects.get(kind=Kind.MATRIX, service=bank["service"])
    kinds.load([question])
    snapshot = kinds.snapshot(question)
    assert kinds.grade(snapshot, {"cells": {"cell-physical": "AWS", "cell-guest-os": "Shared"}}).correct
    half = kinds.grade(snapshot, {"cells": {"cell-physical": "AWS", "cell-guest-os": "Customer"}})
    assert (half.correct, half.score) == (False, 0.5)


def test_single_and_multiple_choice_grading(db):
    single = SingleQuestionFactory()
    right = single.options.get(correct=True)
    snapshot = kinds.snapshot(single)
    assert kinds.grade(snapshot, {"choice": str(right.pk)}).correct
    assert not kinds.grade(snapshot, {"choice": str(single.options.exclude(pk=right.pk).first().pk)}).correct
    multiple = SingleQuestionFactory(kind=Kind.MULTIPLE, options=[("A", True), ("B", True), ("C", False)])
    ids = sorted(str(o.pk) for o in multiple.options.filter(correct=True))
    snapshot = kinds.snapshot(multiple)
    assert kinds.grade(snapshot, {"choices": ids}).correct
    assert not kinds.grade(snapshot, {"choices": ids[:1]}).correct


def test_the_presented_question_never_holds_the_key(bank):
    for question in Question.objects.all():
        kinds.load([question])
        presented = kinds.present(question).as_dict()
        snapshot = kinds.snapshot(question)
        assert "key" not in presented and "reasons" not in presented and "traps" not in presented
        assert snapshot["key"]


def test_drawing_has_no_repeats_and_balances_owners(bank):
    drawn = attempts.draw("everything", 10, rng=random.Random(7))
    assert len(drawn) == len(set(drawn)) == 10
    owners = [q.duty.owner for q in drawn if q.kind == Kind.OWNER]
    assert max(owners.count(o) for o in set(owners)) - min(owners.count(o) for o in set(owners)) <= 1


@pytest.mark.parametrize(
    ("topic", "check"),
    [
        ("misconceptions", lambda q: q.misconception_id is not None),
        ("service:ec2", lambda q: q.services.filter(slug="ec2").exists()),
        ("layer:physical", lambda q: q.layers.filter(slug="physical").exists()),
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


def test_an_unknown_topic_draws_nothing(bank):
    assert attempts.draw("category:nope'--", 10) == []
    assert attempts.draw("bogus", 10) == []


def test_recording_an_answer_twice_keeps_the_first(bank):
    learner = Learner.objects.create()
    question = Question.objects.filter(kind=Kind.OWNER).first()
    attempt = attempts.start_attempt(learner, topic="everything", title="Everything", questions=[question])
    kinds.load([question])
    first = record_answer(attempt, question, {"choice": question.duty.owner})
    with pytest.raises(AlreadyAnswered) as exc:
        record_answer(attempt, question, {"choice": "AWS"})
    assert exc.value.response == first
    assert Response.objects.count() == 1
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    assert (attempt.answered_count, attempt.score, attempt.total) == (1, 1.0, 1)


def test_the_real_bank_has_over_three_hundred_questions_of_every_kind(real_pack):
    live = Question.objects.live()
    assert live.count() >= 300
    assert live.filter(kind__in=[Kind.SINGLE, Kind.MULTIPLE]).count() >= 80
    assert set(live.values_list("kind", flat=True)) == set(Kind.values)
    for question in live.filter(kind__in=[Kind.SINGLE, Kind.MULTIPLE]):
        assert question.sources and question.explanation and question.options.count() >= 3


def test_the_public_api_answers_for_a_learner_and_explains_from_the_snapshot(bank):
    from quizzes import engine

    learner = Learner.objects.create()
    question = Question.objects.get(slug=f"owner-{bank['duties'][4].slug}")  # Customer, with a myth
    attempt = engine.start_attempt(learner, topic="everything", title="API", questions=[question])
    with pytest.raises(engine.AttemptNotFound):
        engine.answer(Learner.objects.create(), attempt.pk, 1, {"choice": "AWS"})
    with pytest.raises(engine.NoSuchQuestion):
        engine.answer(learner, attempt.pk, 2, {"choice": "AWS"})
    response = engine.answer(learner, attempt.pk, 1, {"choice": "AWS"})
    assert response.snapshot["key"] == {"choice": Owner.CUSTOMER} and not response.correct
    with pytest.raises(engine.AlreadyAnswered):
        engine.answer(learner, attempt.pk, 1, {"choice": Owner.CUSTOMER})
    fb = engine.feedback_for(Response.objects.get(pk=response.pk))
    assert fb.misconception["correction"] == "You patch it." and not fb.changed


def test_a_lesson_quiz_draws_only_what_it_and_earlier_lessons_teach(bank):
    from lessons.tests.factories import LessonFactory

    LessonFactory(slug="bottom", order=1, teaches=["layer:physical"])
    LessonFactory(slug="myths", order=2, teaches=["misconceptions"])
    LessonFactory(slug="later", order=3, teaches=["layer:guest-os"])
    first = attempts.draw("lesson:bottom", 20, rng=random.Random(3))
    assert first and all(q.layers.filter(slug="physical").exists() for q in first)
    second = attempts.draw("lesson:myths", 20, rng=random.Random(3))
    assert any(q.misconception_id for q in second)
    assert all(q.layers.filter(slug="physical").exists() or q.misconception_id for q in second)
    assert not attempts.draw("lesson:no-such-lesson", 5)


def test_a_quiz_never_draws_two_questions_on_one_subject(bank):
    for seed in range(5):
        drawn = attempts.draw("everything", 20, rng=random.Random(seed))
        duties = [q.duty_id for q in drawn if q.duty_id]
        sorted_duties = [i.duty_id for q in drawn if q.kind == Kind.SORT for i in q.sort_items.all()]
        assert len(duties + sorted_duties) == len(set(duties + sorted_duties))


def test_lesson_quizzes_are_offered_and_start(client, bank):
    from django.urls import reverse

    from lessons.tests.factories import LessonFactory
    from quizzes.models import Attempt

    LessonFactory(slug="bottom", order=1, title="The bottom layers", teaches=["layer:physical"])
    page = client.get(reverse("quizzes:quiz_setup"), {"topic": "lesson:bottom", "length": 5})
    assert "Lesson 1: The bottom layers: 5 questions" in page.content.decode()
    client.post(reverse("quizzes:quiz_start"), {"topic": "lesson:bottom", "length": 5})
    attempt = Attempt.objects.get()
    assert attempt.total and all(
        s.question.layers.filter(slug="physical").exists() for s in attempt.slots.all()
    )
