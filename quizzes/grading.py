"""Grading on the server: compare an answer with the key read live from the data, and record it once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from lessons.models import Misconception

from .models import Attempt, Kind, Question, Response
from .questions import correct_answer


@dataclass
class Graded:
    correct: bool
    score: float
    cells: dict[str, bool] = field(default_factory=dict)


def grade(question: Question, answer: dict) -> Graded:
    key = correct_answer(question)
    if "cells" in key:
        given = answer.get("cells", {})
        cells = {name: given.get(name) == owner for name, owner in key["cells"].items()}
        right = sum(cells.values())
        return Graded(correct=right == len(cells), score=right / len(cells) if cells else 0.0, cells=cells)
    if "choices" in key:
        ok = sorted(answer.get("choices", [])) == key["choices"]
        return Graded(correct=ok, score=1.0 if ok else 0.0)
    ok = answer.get("choice") == key["choice"]
    return Graded(correct=ok, score=1.0 if ok else 0.0)


class AlreadyAnswered(Exception):
    """The question already has a response in this attempt; the first one stands."""

    def __init__(self, response: Response):
        self.response = response
        super().__init__("already answered")


def record_answer(attempt: Attempt, question: Question, answer: dict) -> Response:
    """Grade and store an answer. A second answer to the same question (double click, refresh, a
    race between two requests) changes nothing: the database keeps one response per question."""
    existing = Response.objects.filter(attempt=attempt, question=question).first()
    if existing:
        raise AlreadyAnswered(existing)
    graded = grade(question, answer)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                attempt=attempt, question=question, answer=answer, correct=graded.correct, score=graded.score
            )
            if not attempt.slots.exclude(question__in=attempt.responses.values("question")).exists():
                Attempt.objects.filter(pk=attempt.pk, finished_at__isnull=True).update(
                    finished_at=timezone.now()
                )
    except IntegrityError:
        raise AlreadyAnswered(Response.objects.get(attempt=attempt, question=question)) from None
    return response


def matched_misconception(question: Question, answer: dict) -> Misconception | None:
    """The known misconception a wrong answer reflects, if any, so feedback can correct it."""
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        chosen = set(answer.get("choices", [])) | {answer.get("choice")}
        for option in question.options.all():
            if str(option.pk) in chosen and not option.correct and option.misconception_id:
                return option.misconception
        return None
    if question.kind == Kind.MYTH_FACT and question.misconception_id and answer.get("choice") == "fact":
        return question.misconception
    if question.kind == Kind.OWNER and question.duty_id:
        claimed = answer.get("choice")
        if claimed == question.duty.owner:
            return None
        # Misconceptions name the duties they concern; iterate so a prefetched list costs no query.
        return next((m for m in question.duty.misconceptions.all() if m.wrong_owner == claimed), None)
    return None
