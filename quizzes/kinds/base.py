"""What every question kind module provides, and the three answer shapes the kinds share.

A kind module (quizzes/kinds/<kind>.py) defines:

- ``PREFETCH``: the relations of Question that presenting it reads (fixed queries per page), and
  ``KEY_PREFETCH``: the further ones its snapshot and topics read (grading, feedback, results).
- ``TEMPLATE``: its partials, ``<file>#answer-fields`` (the form) and ``<file>#feedback-detail``.
- ``SHAPE``: ``choice`` (one of several), ``choices`` (several) or ``cells`` (one owner per row).
- ``present(question, lookups) -> Presented``: what the learner sees before answering, never the key.
- ``snapshot(question, lookups) -> dict``: the question as seen plus the key, explanation, sources, per-option
  or per-row reasons and the misconceptions wrong answers reflect. Written on the Response when graded.
- ``bucket(question) -> str``: the answer class drawing takes turns across, so keys stay balanced.
- ``subjects(question) -> set[str]``: what it asks about (a duty, a service's matrix, itself); a quiz never
  draws two questions sharing a subject, so no two are near-duplicates.
- ``topics(question) -> list[str]``: topics in the quiz grammar, most specific first, for "learn more"
  and "lessons to review".

Grading, feedback and the answer form work from the shape and the snapshot, so they are shared here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property

from django import forms
from django.db.models import Prefetch

from lessons.models import ControlType, Lesson, Owner, Service

# Relations of a question's duty that showing it reads; the services come with their category.
SERVICES = Service.objects.select_related("category")
DUTY_PREFETCH = ("duty__layer", Prefetch("duty__services", SERVICES), "duty__categories")
OWNER_CHOICES = [(o, Owner(o).sentence_label) for o in (Owner.AWS, Owner.CUSTOMER, Owner.SHARED)]
CELL_CHOICES = [("", "Choose…")] + [(o.value, o.label) for o in Owner]
SORT_CHOICES = CELL_CHOICES[:4]


class Lookups:
    """Content any question on a page may need, loaded at most once per page (fixed query counts)."""

    @cached_property
    def control_types(self) -> list[ControlType]:
        return list(ControlType.objects.all())

    @cached_property
    def lessons(self) -> list[Lesson]:
        return list(Lesson.objects.path().only("slug", "title", "order", "teaches"))

    def lessons_teaching(self, topics: list[str]) -> list[Lesson]:
        """Lessons teaching any of the topics, in the topics' order (most specific first), then path order."""
        found: list[Lesson] = []
        for topic in topics:
            found += [x for x in self.lessons if topic in x.teaches and x not in found]
        return found


@dataclass
class Row:
    """One thing to answer inside a question: a matrix layer or a statement to sort."""

    name: str
    label: str
    choices: list[tuple[str, str]]


@dataclass
class Presented:
    """Everything the page shows before the learner answers: never the answer."""

    kind: str
    prompt: str
    context: str = ""
    instructions: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    many: bool = False
    rows: list[Row] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Presented:
        rows = [Row(r["name"], r["label"], [tuple(c) for c in r["choices"]]) for r in data.get("rows", [])]
        return cls(
            kind=data["kind"],
            prompt=data["prompt"],
            context=data.get("context", ""),
            instructions=data.get("instructions", ""),
            choices=[tuple(c) for c in data.get("choices", [])],
            many=data.get("many", False),
            rows=rows,
        )


def trap(misconception) -> dict:
    """A misconception as kept in a snapshot: enough to correct it later, whatever happens to it."""
    return {
        "myth": misconception.myth,
        "correction": misconception.correction,
        "sources": misconception.sources,
    }


def record(presented: Presented, *, key: dict, explanation: str, sources: list[str], **extra) -> dict:
    """A snapshot: the presented question plus everything needed to grade it and explain the verdict."""
    return {**presented.as_dict(), "key": key, "explanation": explanation, "sources": list(sources), **extra}


# The answer shapes: form fields, the answer dict built from the form, and grading against a key.


def form_fields(presented: Presented) -> dict[str, forms.Field]:
    if presented.rows:
        return {
            row.name: forms.ChoiceField(
                label=row.label,
                choices=row.choices,
                error_messages={"required": "Choose an owner for this one."},
            )
            for row in presented.rows
        }
    if presented.many:
        return {
            "choices": forms.MultipleChoiceField(
                choices=presented.choices, error_messages={"required": "Choose at least one answer."}
            )
        }
    return {
        "choice": forms.ChoiceField(
            choices=presented.choices, error_messages={"required": "Choose an answer before checking it."}
        )
    }


def answer_from(presented: Presented, cleaned: dict) -> dict:
    if presented.rows:
        return {"cells": {row.name: cleaned[row.name] for row in presented.rows}}
    if presented.many:
        return {"choices": sorted(cleaned["choices"])}
    return {"choice": cleaned["choice"]}


@dataclass
class Graded:
    correct: bool
    score: float
    cells: dict[str, bool] = field(default_factory=dict)


def grade(snapshot: dict, answer: dict) -> Graded:
    """Compare an answer with the key kept in the snapshot (the same key the feedback shows)."""
    key = snapshot["key"]
    if "cells" in key:
        given = answer.get("cells") or {}
        cells = {name: given.get(name) == owner for name, owner in key["cells"].items()}
        right = sum(cells.values())
        return Graded(correct=right == len(cells), score=right / len(cells) if cells else 0.0, cells=cells)
    if "choices" in key:
        ok = sorted(answer.get("choices") or []) == sorted(key["choices"])
        return Graded(correct=ok, score=1.0 if ok else 0.0)
    ok = answer.get("choice") == key["choice"]
    return Graded(correct=ok, score=1.0 if ok else 0.0)


def services_text(duty) -> str:
    """Where a duty applies, from its services and categories (prefetched)."""
    parts = [s.name for s in duty.services.all()] + [f"all {c.name.lower()}" for c in duty.categories.all()]
    return f"Applies to: {', '.join(parts)}." if parts else ""


def duty_topics(duty) -> list[str]:
    return (
        [f"service:{s.slug}" for s in duty.services.all()]
        + [f"category:{c.slug}" for c in duty.categories.all()]
        + [f"category:{s.category.slug}" for s in duty.services.all()]
        + [f"layer:{duty.layer.slug}"]
    )
