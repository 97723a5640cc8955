"""FSRS review cards: scheduling from graded answers in any mode, once a day, due order, the cap, merging."""

import contextlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from learners.current import merge_into_account
from learners.tests.concurrency import at_once, postgres_only
from learners.tests.factories import LearnerFactory, UserFactory
from quizzes import attempts, review
from quizzes.grading import record_answer
from quizzes.models import Mode, Question, Rating, Response, ReviewCard, ReviewLog, ReviewSettings

from .answers import as_answer, right_answer_data, wrong_answer_data
from .factories import OwnerQuestionFactory, ReviewCardFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def answer(learner, question, *, right: bool, guessed=False, mode=Mode.PRACTICE):
    attempt = attempts.start_attempt(learner, topic="everything", title="t", questions=[question], mode=mode)
    data = right_answer_data(question) if right else wrong_answer_data(question)
    return record_answer(attempt, question, as_answer(data), guessed=guessed)


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(
    ("right", "guessed", "rating", "due_days", "stability"),
    [
        (True, False, Rating.GOOD, 2, 2.3065),
        (True, True, Rating.HARD, 1, 1.2931),
        (False, False, Rating.AGAIN, 1, 0.212),
        (False, True, Rating.AGAIN, 1, 0.212),
    ],
)
def test_a_graded_answer_schedules_the_card(right, guessed, rating, due_days, stability):
    learner, question = LearnerFactory(), OwnerQuestionFactory()
    response = answer(learner, question, right=right, guessed=guessed)
    card = ReviewCard.objects.get(learner=learner, question=question)
    assert card.stability == pytest.approx(stability)
    assert card.due == NOON + timedelta(days=due_days)
    assert card.last_review == NOON
    assert list(card.logs.values_list("rating", "response")) == [(rating, response.pk)]


def test_a_card_moves_at_most_once_a_utc_day_however_many_modes_answer_it():
    learner, question = LearnerFactory(), OwnerQuestionFactory()
    with time_machine.travel(NOON, tick=False):
        answer(learner, question, right=True)
        answer(learner, question, right=False, mode=Mode.EXAM)
    card = ReviewCard.objects.get()
    assert card.reviews == 1 and card.logs.count() == 1
    assert card.logs.get().rating == Rating.GOOD
    with time_machine.travel(datetime(2026, 12, 1, 23, 59, tzinfo=UTC), tick=False):
        answer(learner, question, right=False)
    assert ReviewCard.objects.get().reviews == 1, "still the same UTC day"
    with time_machine.travel(datetime(2026, 12, 2, 0, 1, tzinfo=UTC), tick=False):
        answer(learner, question, right=False)
    card = ReviewCard.objects.get()
    assert card.reviews == 2
    assert list(card.logs.values_list("rating", flat=True)) == [Rating.GOOD, Rating.AGAIN]


@time_machine.travel(NOON, tick=False)
def test_a_higher_retention_target_brings_cards_back_sooner():
    question = OwnerQuestionFactory()
    eager, relaxed = LearnerFactory(), LearnerFactory()
    ReviewSettings.objects.create(learner=eager, retention=0.95, daily_cap=20)
    ReviewSettings.objects.create(learner=relaxed, retention=0.80, daily_cap=20)
    for learner in (eager, relaxed):
        ReviewCardFactory(
            learner=learner, question=question, stability=10, due=NOON, last_review=NOON - timedelta(days=10)
        )
        answer(learner, question, right=True)
    assert ReviewCard.objects.get(learner=eager).due < ReviewCard.objects.get(learner=relaxed).due


@time_machine.travel(NOON, tick=False)
def test_a_review_sitting_serves_the_most_overdue_cards_first_up_to_the_daily_cap():
    learner = LearnerFactory()
    ReviewSettings.objects.create(learner=learner, retention=0.9, daily_cap=3)
    overdue = {
        days: ReviewCardFactory(learner=learner, due=NOON - timedelta(days=days)) for days in (1, 5, 3, 9, 2)
    }
    ReviewCardFactory(learner=learner, due=NOON + timedelta(days=1))  # not due yet
    queue = review.queue(learner)
    assert (queue.due, queue.to_serve) == (5, 3)
    sitting = review.start_review(learner)
    assert sitting.mode == Mode.REVIEW
    drawn = [s.question_id for s in sitting.slots.all()]
    assert drawn == [overdue[d].question_id for d in (9, 5, 3)]
    assert review.start_review(learner) == sitting, "an open sitting is resumed, not doubled"
    for slot in sitting.slots.select_related("question"):
        record_answer(sitting, slot.question, as_answer(right_answer_data(slot.question)))
    assert review.queue(learner).left_today == 0
    with pytest.raises(review.NothingDue):
        review.start_review(learner)


@time_machine.travel(NOON, tick=False)
def test_cards_of_retired_questions_are_suspended_not_lost():
    learner = LearnerFactory()
    card = ReviewCardFactory(learner=learner, due=NOON - timedelta(days=1))
    Question.objects.filter(pk=card.question_id).update(retired=True)
    queue = review.queue(learner)
    assert (queue.due, queue.suspended, queue.cards) == (0, 1, 1)
    Question.objects.filter(pk=card.question_id).update(retired=False)
    assert review.queue(learner).due == 1


@time_machine.travel(NOON, tick=False)
def test_signing_up_moves_cards_and_settings_to_the_account_keeping_the_later_card():
    account = LearnerFactory(user=UserFactory())
    anonymous = LearnerFactory()
    shared, own = OwnerQuestionFactory(), OwnerQuestionFactory()
    older = ReviewCardFactory(
        learner=account, question=shared, last_review=NOON - timedelta(days=5), reviews=2
    )
    ReviewLog.objects.create(card=older, rating=Rating.GOOD, reviewed_at=NOON - timedelta(days=5))
    newer = ReviewCardFactory(
        learner=anonymous, question=shared, last_review=NOON - timedelta(days=1), reviews=1
    )
    ReviewLog.objects.create(card=newer, rating=Rating.AGAIN, reviewed_at=NOON - timedelta(days=1))
    ReviewCardFactory(learner=anonymous, question=own)
    ReviewSettings.objects.create(learner=anonymous, retention=0.85, daily_cap=7)
    merge_into_account(anonymous, user=account.user)
    cards = ReviewCard.objects.filter(learner=account)
    assert cards.count() == 2
    kept = cards.get(question=shared)
    assert kept.pk == newer.pk and kept.reviews == 3 and kept.logs.count() == 2
    assert ReviewSettings.objects.get(learner=account).daily_cap == 7


@time_machine.travel(NOON, tick=False)
def test_the_header_count_is_cached_and_counts_down_as_due_cards_are_answered():
    learner = LearnerFactory()
    due = [ReviewCardFactory(learner=learner, due=NOON - timedelta(days=1)) for _ in range(2)]
    assert review.due_count(learner.pk) == 2
    ReviewCardFactory(learner=learner, due=NOON - timedelta(days=1))
    assert review.due_count(learner.pk) == 2, "cached for a few minutes"
    answer(learner, OwnerQuestionFactory(), right=True)
    assert review.due_count(learner.pk) == 2, "a new card is not due after its first answer"
    answer(learner, due[0].question, right=False)
    assert review.due_count(learner.pk) == 1, "an answered due card leaves the count"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_same_instant_first_answers_in_two_attempts_keep_both_answers_and_move_the_card_once(monkeypatch):
    # Both answers look for the card before either has written it: the moment the unguarded insert broke.
    learner, question = LearnerFactory(), OwnerQuestionFactory()
    sittings = [
        attempts.start_attempt(learner, topic="everything", title=f"t{n}", questions=[question])
        for n in (1, 2)
    ]
    both_looked = threading.Barrier(2)
    real_scheduler = review.scheduler

    def scheduler_after_both_looked(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_looked.wait(timeout=2)  # a fixed version serialises the two: the first stops waiting
        return real_scheduler(*args, **kwargs)

    monkeypatch.setattr(review, "scheduler", scheduler_after_both_looked)
    data = as_answer(right_answer_data(question))
    results = at_once(*((lambda a=a: record_answer(a, question, data)) for a in sittings))
    assert [type(r).__name__ for r in results] == ["Response", "Response"], results
    assert Response.objects.filter(question=question).count() == 2
    card = ReviewCard.objects.get(learner=learner, question=question)
    assert card.reviews == 1 and card.logs.count() == 1
