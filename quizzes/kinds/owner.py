"""Who is responsible? A duty statement; the learner names its owner. The key is the duty's owner."""

from __future__ import annotations

from .base import DUTY_PREFETCH, OWNER_CHOICES, Lookups, Presented, duty_topics, record, services_text, trap

SHAPE = "choice"
TEMPLATE = "quizzes/kinds/choice.html"
PREFETCH = DUTY_PREFETCH
KEY_PREFETCH = ("duty__misconceptions",)


def present(question, lookups: Lookups | None = None) -> Presented:
    duty = question.duty
    return Presented(
        question.kind,
        f"Who is responsible for this task? “{duty.statement}”",
        context=services_text(duty),
        choices=OWNER_CHOICES,
    )


def snapshot(question, lookups: Lookups | None = None) -> dict:
    duty = question.duty
    # A wrong owner that a known misconception names gets that misconception's correction.
    traps = {
        m.wrong_owner: trap(m)
        for m in duty.misconceptions.all()
        if m.wrong_owner and m.wrong_owner != duty.owner
    }
    return record(
        present(question),
        key={"choice": duty.owner},
        explanation=duty.explanation,
        sources=duty.sources,
        traps=traps,
    )


def bucket(question) -> str:
    return f"owner:{question.duty.owner}"


def topics(question) -> list[str]:
    return duty_topics(question.duty)


def subjects(question) -> set[str]:
    return {f"duty:{question.duty_id}"}
