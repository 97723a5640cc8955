"""Question kinds: one module per kind, dispatched in one place (kind_module).

Everything kind-specific (presenting, the key, reasons, drawing balance, topics) lives in the kind's
module and its template partials; grading, the answer form and feedback work from the snapshot a kind
writes (see quizzes/kinds/base.py for the contract). Adding a kind: a Kind value, a module, a case below.
"""

from __future__ import annotations

from types import ModuleType

from django.db.models import prefetch_related_objects

from ..models import Kind, Question
from . import control, matrix, multiple, myth_fact, owner, single, sort
from .base import Graded, Lookups, Presented, Row, answer_from, form_fields, grade

__all__ = [
    "Graded",
    "Lookups",
    "Presented",
    "Row",
    "answer_from",
    "form_fields",
    "grade",
    "kind_module",
    "load",
    "present",
    "snapshot",
]


def kind_module(kind: str) -> ModuleType:
    match Kind(kind):
        case Kind.OWNER:
            return owner
        case Kind.MYTH_FACT:
            return myth_fact
        case Kind.CONTROL:
            return control
        case Kind.SINGLE:
            return single
        case Kind.MULTIPLE:
            return multiple
        case Kind.MATRIX:
            return matrix
        case Kind.SORT:
            return sort


# Every kind's foreign keys, joined into the query that reads the questions (see attempts.slot).
JOINS = ("duty__layer", "misconception", "service__category", "control_type")


def load(questions: list[Question], *, key: bool = True) -> list[Question]:
    """Prefetch what each question's kind reads to be presented and, with key, snapshotted and
    explained: one query per relation a kind present needs, whatever the number of questions."""
    by_kind: dict[str, list[Question]] = {}
    for question in questions:
        by_kind.setdefault(question.kind, []).append(question)
    for kind, group in by_kind.items():
        module = kind_module(kind)
        prefetch_related_objects(group, *module.PREFETCH, *(module.KEY_PREFETCH if key else ()))
    return questions


def present(question: Question, lookups: Lookups | None = None) -> Presented:
    """The question as the learner sees it before answering; never the key."""
    return kind_module(question.kind).present(question, lookups)


def snapshot(question: Question, lookups: Lookups | None = None) -> dict:
    """The question as seen plus its key and reasons, from today's content (kept on a Response when graded)."""
    return kind_module(question.kind).snapshot(question, lookups)
