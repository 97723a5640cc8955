"""Grading on the server: snapshot the question and its key, grade against it, and record the answer once."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from . import kinds, review
from .attempts import finish_if_done
from .models import Attempt, Question, Response


class AlreadyAnswered(Exception):
    """The question already has a response in this attempt; the first one stands."""

    def __init__(self, response: Response):
        self.response = response
        super().__init__("already answered")


def record_answer(
    attempt: Attempt,
    question: Question,
    answer: dict,
    lookups: kinds.Lookups | None = None,
    *,
    guessed: bool = False,
) -> Response:
    """Grade an answer against a snapshot of today's key and store both, once.

    A second answer to the same question (double click, refresh, two tabs at once) raises AlreadyAnswered
    with the response that stands. The attempt's counters and finished_at move in the same transaction,
    with the attempt row locked, so two last answers at the same moment still finish the attempt.
    Every mode records here, so every graded answer also moves the learner's review card in the same
    transaction (quizzes.review; guessed makes a right answer Hard).
    """
    kinds.load([question])  # free when the caller already loaded it
    snapshot = kinds.snapshot(question, lookups)
    graded = kinds.grade(snapshot, answer)
    try:
        with transaction.atomic():
            # Taking the row lock first serialises the answers of one attempt.
            Attempt.objects.filter(pk=attempt.pk).update(
                answered_count=F("answered_count") + 1, score=F("score") + graded.score
            )
            response = Response.objects.create(
                attempt=attempt,
                question=question,
                answer=answer,
                correct=graded.correct,
                score=graded.score,
                snapshot=snapshot,
            )
            finish_if_done(attempt)
            review.update_card(
                attempt.learner_id, question, correct=graded.correct, guessed=guessed, response=response
            )
    except IntegrityError:
        raise AlreadyAnswered(Response.objects.get(attempt=attempt, question=question)) from None
    attempt.answered_count += 1
    attempt.score += graded.score
    return response
