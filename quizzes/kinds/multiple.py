"""Authored multiple choice with two or more right options: the single-answer kind, many answers allowed."""

from __future__ import annotations

from . import single
from .base import Lookups, Presented

SHAPE = "choices"
TEMPLATE = single.TEMPLATE
PREFETCH = single.PREFETCH
KEY_PREFETCH = single.KEY_PREFETCH


def present(question, lookups: Lookups | None = None) -> Presented:
    presented = single.present(question)
    presented.many = True
    presented.instructions = "Select all that apply, as many as the question asks."
    return presented


def snapshot(question, lookups: Lookups | None = None) -> dict:
    data = single.snapshot(question)
    data.update(present(question).as_dict())
    data["key"] = {"choices": sorted(str(o.pk) for o in question.options.all() if o.correct)}
    return data


bucket = single.bucket
topics = single.topics
subjects = single.subjects
