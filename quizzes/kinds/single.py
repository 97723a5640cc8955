"""Authored multiple choice with one right option; each option carries why it is right or wrong."""

from __future__ import annotations

from django.db.models import Prefetch

from ..models import Option
from .base import SERVICES, Lookups, Presented, record, trap

SHAPE = "choice"
TEMPLATE = "quizzes/kinds/choice.html"
PREFETCH = (Prefetch("options", Option.objects.select_related("misconception")),)
KEY_PREFETCH = ("layers", Prefetch("services", SERVICES), "categories")


def present(question, lookups: Lookups | None = None) -> Presented:
    return Presented(
        question.kind, question.prompt, choices=[(str(o.pk), o.text) for o in question.options.all()]
    )


def snapshot(question, lookups: Lookups | None = None) -> dict:
    options = list(question.options.all())
    right = sorted(str(o.pk) for o in options if o.correct)
    return record(
        present(question),
        key={"choice": right[0] if right else ""},
        explanation=question.explanation,
        sources=question.sources,
        reasons={str(o.pk): o.explanation for o in options},
        traps={str(o.pk): trap(o.misconception) for o in options if o.misconception and not o.correct},
    )


def bucket(question) -> str:
    return question.kind


def topics(question) -> list[str]:
    return (
        [f"service:{s.slug}" for s in question.services.all()]
        + [f"category:{c.slug}" for c in question.categories.all()]
        + [f"category:{s.category.slug}" for s in question.services.all()]
        + [f"layer:{x.slug}" for x in question.layers.all()]
        + (["misconceptions"] if any(o.misconception_id for o in question.options.all()) else [])
    )


def subjects(question) -> set[str]:
    return {f"question:{question.pk}"}
