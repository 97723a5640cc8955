"""What the learner sees after answering, built from the response's snapshot only.

The verdict, the right answer, reasons and sources come from what the answer was graded against. Today's
content is read only to say "changed since" (and show today's answer beside it) or that the question
has left the bank.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from . import kinds
from .models import Question, Response

NO_ANSWER = "no answer"


@dataclass
class RowResult:
    """A cell, a statement or an option: what the learner chose, what was right, and why."""

    label: str
    given: str = ""
    expected: str = ""
    ok: bool = False
    reason: str = ""
    sources: list[str] = field(default_factory=list)
    chosen: bool = False


@dataclass
class Feedback:
    kind: str
    template: str
    prompt: str
    context: str
    correct: bool
    score: float
    right_answer: list[str]
    your_answer: list[str]
    explanation: str
    sources: list[str]
    misconception: dict | None = None
    learn_more: tuple[str, str] | None = None
    rows: list[RowResult] = field(default_factory=list)
    options: list[RowResult] = field(default_factory=list)
    changed: bool = False
    today_answer: list[str] = field(default_factory=list)
    retired: bool = False


def right_answer_words(snapshot: dict) -> list[str]:
    """The key in words, e.g. ["The customer"] or ["Guest OS: Customer", ...]."""
    key = snapshot["key"]
    if "cells" in key:
        labels = dict(_cell_names(snapshot))
        return [
            f"{row['label']}: {labels.get(key['cells'].get(row['name']), '?')}" for row in snapshot["rows"]
        ]
    choices = dict(_pairs(snapshot["choices"]))
    values = key["choices"] if "choices" in key else [key["choice"]]
    return [choices.get(v, "?") for v in values]


def _pairs(items) -> list[tuple[str, str]]:
    return [(str(a), str(b)) for a, b in items]


def _cell_names(snapshot: dict) -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    for row in snapshot["rows"]:
        names.update({value: label for value, label in _pairs(row["choices"]) if value})
    return list(names.items())


def build(
    response: Response,
    *,
    today: dict | None,
    learn_more: tuple[str, str] | None = None,
    retired: bool = False,
) -> Feedback:
    """Feedback for a recorded answer. today is the question's snapshot from today's content (None when
    the question has left the bank); an answer recorded before snapshots existed is shown against it."""
    snapshot = response.snapshot or today
    kind = kinds.kind_module(snapshot["kind"])
    answer = response.answer or {}
    key = snapshot["key"]
    reasons = snapshot.get("reasons", {})
    row_sources = snapshot.get("row_sources", {})
    rows: list[RowResult] = []
    options: list[RowResult] = []
    if "cells" in key:
        names = dict(_cell_names(snapshot))
        given = answer.get("cells") or {}
        for row in snapshot["rows"]:
            name = row["name"]
            rows.append(
                RowResult(
                    label=row["label"],
                    given=names.get(given.get(name), NO_ANSWER),
                    expected=names.get(key["cells"][name], "?"),
                    ok=given.get(name) == key["cells"][name],
                    reason=reasons.get(name, ""),
                    sources=row_sources.get(name, []),
                )
            )
        right, yours, chosen = [], [], []
    else:
        labels = dict(_pairs(snapshot["choices"]))
        chosen = answer.get("choices") or ([answer["choice"]] if answer.get("choice") else [])
        right = right_answer_words(snapshot)
        yours = [labels.get(c, "?") for c in chosen] or [NO_ANSWER]
        right_values = set(key["choices"] if "choices" in key else [key["choice"]])
        if reasons:
            options = [
                RowResult(
                    label=label,
                    ok=value in right_values,
                    reason=reasons.get(value, ""),
                    chosen=value in chosen,
                )
                for value, label in labels.items()
            ]
    traps = snapshot.get("traps", {})
    misconception = None
    if not response.correct:
        misconception = next((traps[c] for c in chosen if c in traps), None)
    today_answer = right_answer_words(today) if today else []
    return Feedback(
        kind=snapshot["kind"],
        template=kind.TEMPLATE,
        prompt=snapshot["prompt"],
        context=snapshot.get("context", ""),
        correct=response.correct,
        score=response.score,
        right_answer=right,
        your_answer=yours,
        explanation=snapshot.get("explanation", ""),
        sources=snapshot.get("sources", []),
        misconception=misconception,
        learn_more=learn_more,
        rows=rows,
        options=options,
        changed=bool(today) and today_answer != right_answer_words(snapshot),
        today_answer=today_answer,
        retired=retired,
    )


def learn_more(question: Question, lookups: kinds.Lookups) -> tuple[str, str] | None:
    """(url, label) of the page that teaches this question: its own learn_more, else its topics' pages."""
    prefix, _, slug = question.learn_more.partition(":")
    if prefix == "lesson":
        lesson = next((x for x in lookups.lessons if x.slug == slug), None)
        if lesson:
            return lesson.get_absolute_url(), f"the lesson “{lesson.title}”"
    topics = ([question.learn_more] if prefix in ("service", "category") else []) + kinds.kind_module(
        question.kind
    ).topics(question)
    for topic in topics:
        prefix, _, slug = topic.partition(":")
        if prefix == "service":
            return reverse("lessons:service_detail", args=[slug]), "the service page"
        lessons = lookups.lessons_teaching([topic])
        if lessons:
            return lessons[0].get_absolute_url(), f"the lesson “{lessons[0].title}”"
    return None


def for_response(response: Response, question: Question, lookups: kinds.Lookups) -> Feedback | None:
    """Feedback for a response whose question is loaded with its kind's relations (kinds.load); None only
    for an answer recorded before snapshots existed whose question has since left the bank."""
    if question.retired:
        return build(response, today=None, retired=True) if response.snapshot else None
    return build(response, today=kinds.snapshot(question, lookups), learn_more=learn_more(question, lookups))
