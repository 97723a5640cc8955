"""Fill in a service's matrix: one owner per layer, graded cell by cell; each cell keeps its reason."""

from __future__ import annotations

from django.db.models import Prefetch

from lessons.models import MatrixCell

from .base import CELL_CHOICES, Lookups, Presented, Row, record

SHAPE = "cells"
TEMPLATE = "quizzes/kinds/cells.html"
PREFETCH = ("service__category", Prefetch("service__cells", MatrixCell.objects.select_related("layer")))
KEY_PREFETCH = ()


def _cells(question) -> list:
    return sorted(question.service.cells.all(), key=lambda c: -c.layer.order)


def present(question, lookups: Lookups | None = None) -> Presented:
    service = question.service
    return Presented(
        question.kind,
        f"Fill in the matrix for {service.name}: who secures each layer?",
        instructions="Choose an owner for every layer. Top of the stack first.",
        rows=[Row(f"cell-{c.layer.slug}", c.layer.name, CELL_CHOICES) for c in _cells(question)],
    )


def snapshot(question, lookups: Lookups | None = None) -> dict:
    service = question.service
    cells = _cells(question)
    return record(
        present(question),
        key={"cells": {f"cell-{c.layer.slug}": c.owner for c in cells}},
        explanation=question.explanation or f"Each layer's reason is on the {service.name} page.",
        sources=question.sources or service.sources,
        reasons={f"cell-{c.layer.slug}": c.reason for c in cells},
        row_sources={f"cell-{c.layer.slug}": c.sources for c in cells},
    )


def bucket(question) -> str:
    return question.kind


def topics(question) -> list[str]:
    return [f"service:{question.service.slug}", f"category:{question.service.category.slug}"]


def subjects(question) -> set[str]:
    return {f"service:{question.service_id}"}
