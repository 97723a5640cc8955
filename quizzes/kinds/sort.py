"""Sort statements by owner: several duty statements, one owner each; each keeps its reason and source."""

from __future__ import annotations

from django.db.models import Prefetch

from ..models import SortItem
from .base import SORT_CHOICES, Lookups, Presented, Row, record

SHAPE = "cells"
TEMPLATE = "quizzes/kinds/cells.html"
PREFETCH = (Prefetch("sort_items", SortItem.objects.select_related("duty")),)
KEY_PREFETCH = ("categories", "layers")


def present(question, lookups: Lookups | None = None) -> Presented:
    return Presented(
        question.kind,
        question.prompt,
        instructions="Choose AWS, Customer or Shared for every statement.",
        rows=[
            Row(f"item-{item.pk}", item.duty.statement, SORT_CHOICES) for item in question.sort_items.all()
        ],
    )


def snapshot(question, lookups: Lookups | None = None) -> dict:
    items = list(question.sort_items.all())
    return record(
        present(question),
        key={"cells": {f"item-{i.pk}": i.duty.owner for i in items}},
        explanation=question.explanation,
        sources=question.sources,
        reasons={f"item-{i.pk}": i.duty.explanation for i in items},
        row_sources={f"item-{i.pk}": i.duty.sources for i in items},
    )


def bucket(question) -> str:
    return question.kind


def topics(question) -> list[str]:
    return [f"category:{c.slug}" for c in question.categories.all()] + [
        f"layer:{x.slug}" for x in question.layers.all()
    ]


def subjects(question) -> set[str]:
    return {f"duty:{item.duty_id}" for item in question.sort_items.all()}
