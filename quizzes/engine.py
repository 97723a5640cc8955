"""The quiz engine's public API: what exam, spaced-review and classroom code call (and nothing else).

Everything here takes a learner or an attempt found for one, never a request, and raises domain errors
(AttemptNotFound, NoSuchQuestion, AlreadyAnswered) that callers turn into pages, messages or retries.

    questions = draw("category:container", 10)                 # balanced, no repeats
    attempt = start_attempt(learner, topic=..., title=..., questions=questions, mode=Mode.PRACTICE)
    presented = present(question)                               # what to show; never the key
    response = answer(learner, attempt.pk, 1, {"choice": "AWS"})  # graded, stored once, with snapshot
    fb = feedback_for(response)                                 # from the snapshot, "changed since" today

Answers are dicts in one of three shapes, fixed by the question's kind (kinds/base.py): {"choice": v},
{"choices": [v, ...]} or {"cells": {name: owner}}; AnswerForm parses a posted form into one.

A Response's ``snapshot`` (prompt, choices or rows, key, explanation, sources, per-option and per-row
reasons, the misconceptions wrong answers reflect) is what it was graded against; anything built on
responses (mastery, review cards, classroom reports) reads it, not today's content. A new mode adds a
Mode value and a `match` where it differs; it grades through ``answer``/``record_answer`` like practice.
"""

from __future__ import annotations

from learners.models import Learner

from . import feedback, kinds
from .attempts import (
    AttemptNotFound,
    NoSuchQuestion,
    Summary,
    draw,
    find_attempt,
    first_open_position,
    slot,
    start_attempt,
    summarise,
)
from .grading import AlreadyAnswered, record_answer
from .kinds import Presented, present
from .models import Mode, Response

__all__ = [
    "AlreadyAnswered",
    "AttemptNotFound",
    "Mode",
    "NoSuchQuestion",
    "Presented",
    "Summary",
    "answer",
    "draw",
    "feedback_for",
    "find_attempt",
    "first_open_position",
    "present",
    "record_answer",
    "start_attempt",
    "summarise",
]


def answer(learner: Learner | None, attempt_id, position: int, given: dict) -> Response:
    """Grade and record the learner's answer to one question of their attempt; returns the stored
    Response (with its snapshot). Raises AttemptNotFound, NoSuchQuestion (also for a question that left
    the bank) or AlreadyAnswered (carrying the response that stands)."""
    attempt = find_attempt(learner, attempt_id)
    item = slot(attempt, position)
    if item.skipped:
        raise NoSuchQuestion(f"Question {position} left the bank and is skipped.")
    if item.response:
        raise AlreadyAnswered(item.response)
    return record_answer(attempt, item.question, given)


def feedback_for(response: Response) -> feedback.Feedback | None:
    """Feedback for a stored response, read from its snapshot (None only for an answer recorded before
    snapshots existed whose question has since left the bank)."""
    question = response.question
    if not question.retired:
        kinds.load([question])
    return feedback.for_response(response, question, kinds.Lookups())
