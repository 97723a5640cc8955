"""Which control type? An example control; the learner names its type (inherited, shared, customer-specific)."""

from __future__ import annotations

from .base import Lookups, Presented, record

SHAPE = "choice"
TEMPLATE = "quizzes/kinds/choice.html"
PREFETCH = ("control_type",)
KEY_PREFETCH = ()


def present(question, lookups: Lookups | None = None) -> Presented:
    types = (lookups or Lookups()).control_types
    return Presented(question.kind, question.prompt, choices=[(ct.slug, ct.name) for ct in types])


def snapshot(question, lookups: Lookups | None = None) -> dict:
    control = question.control_type
    return record(
        present(question, lookups),
        key={"choice": control.slug},
        explanation=question.explanation or f"{control.name}: {control.description}",
        sources=question.sources or control.sources,
    )


def bucket(question) -> str:
    return question.kind


def topics(question) -> list[str]:
    return ["control-types"]


def subjects(question) -> set[str]:
    return {f"question:{question.pk}"}
