"""Responsibility matrices drawn from the data: by category, per service, and side by side."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from .models import Category, Layer, MatrixCell, Owner, Service

VARIES = "Varies"
# Owner -> CSS modifier; every owner is also written out in text and marked with a pattern and icon.
# The owners' words come from Owner (lessons.models); "Varies" exists only in category summaries.
OWNER_CLASS = {**{o.value: o.css for o in Owner}, VARIES: "varies"}
OWNER_ICON = {**{o.css: o.icon for o in Owner}, "varies": "◐"}
LEGEND = [(o.value, o.meaning) for o in Owner] + [(VARIES, "Differs between the services of the category.")]


@dataclass
class Cell:
    owner: str
    reason: str
    condition: str = ""
    sources: list[str] = field(default_factory=list)
    checked_on: datetime.date | None = None
    breakdown: list[tuple[str, list[str]]] = field(default_factory=list)  # (owner, service names)
    column: str = ""  # the category or service this cell belongs to: phones show it beside the owner

    @property
    def css(self) -> str:
        return OWNER_CLASS[self.owner]

    @property
    def icon(self) -> str:
        return OWNER_ICON[self.css]

    @property
    def label(self) -> str:
        return "Not applicable" if self.owner == Owner.NOT_APPLICABLE else self.owner


@dataclass
class Row:
    layer: Layer
    cells: list[Cell]

    @property
    def changes(self) -> bool:
        return len({c.owner for c in self.cells}) > 1


def legend() -> list[Cell]:
    return [Cell(owner=owner, reason=text) for owner, text in LEGEND]


def _cell(cell: MatrixCell) -> Cell:
    return Cell(
        owner=cell.owner,
        reason=cell.reason,
        condition=cell.condition,
        sources=cell.sources,
        checked_on=cell.checked_on,
    )


def _in_column(cell: Cell, column: str) -> Cell:
    cell.column = column
    return cell


def summarise(category: Category, cells: list[MatrixCell]) -> Cell:
    """One category's owner on one layer, derived from its services' cells (so it cannot drift from them)."""
    applicable = [c for c in cells if c.owner != Owner.NOT_APPLICABLE]
    if not applicable:
        return Cell(
            owner=Owner.NOT_APPLICABLE, reason=f"No {category.name.lower()} in the pack have this layer."
        )
    by_owner: dict[str, list[str]] = {}
    for c in sorted(applicable, key=lambda c: c.service.name):
        by_owner.setdefault(c.owner, []).append(c.service.name)
    breakdown = sorted(by_owner.items(), key=lambda item: (-len(item[1]), item[0]))
    if len(by_owner) == 1:
        owner = next(iter(by_owner))
        example = applicable[0]
        reason = f"{owner} for every service in this category. For example, {example.service.name}: {example.reason}"
        return Cell(owner=owner, reason=reason, breakdown=breakdown)
    counts = Counter({owner: len(names) for owner, names in by_owner.items()})
    parts = "; ".join(f"{owner}: {', '.join(names)}" for owner, names in breakdown)
    reason = f"Depends on the service ({', '.join(f'{o} {n}' for o, n in counts.most_common())}). {parts}."
    return Cell(owner=VARIES, reason=reason, breakdown=breakdown)


class CategoryMatrix(NamedTuple):
    categories: list[Category]
    rows: list[Row]


def category_matrix() -> CategoryMatrix:
    """Layers (top of the stack first) x categories. Three queries however large the pack."""
    categories = list(Category.objects.all())
    layers = list(Layer.objects.order_by("-order"))
    grouped: dict[tuple[int, int], list[MatrixCell]] = {}
    for cell in MatrixCell.objects.select_related("service").only(
        "owner", "reason", "layer_id", "service__name", "service__category_id"
    ):
        grouped.setdefault((cell.layer_id, cell.service.category_id), []).append(cell)
    rows = [
        Row(
            layer=layer,
            cells=[
                _in_column(summarise(cat, grouped.get((layer.pk, cat.pk), [])), cat.name)
                for cat in categories
            ],
        )
        for layer in layers
    ]
    return CategoryMatrix(categories, rows)


def service_matrix(services: list[Service]) -> list[Row]:
    """Layers (top first) x the given services, in their order; services need `cells` prefetched."""
    by_service = [{c.layer_id: c for c in s.cells.all()} for s in services]
    rows = []
    for layer in Layer.objects.order_by("-order"):
        cells = []
        for service, lookup in zip(services, by_service, strict=True):
            cell = lookup.get(layer.pk)
            found = _cell(cell) if cell else Cell(owner=Owner.NOT_APPLICABLE, reason="No cell recorded.")
            cells.append(_in_column(found, service.name))
        rows.append(Row(layer=layer, cells=cells))
    return rows


def services_by_layer(services: list[Service], layers: list[Layer]) -> list[tuple[Service, list[Cell]]]:
    """Each service with its cells in the given layer order (the cheat sheet's rows)."""
    out = []
    for service in services:
        lookup = {c.layer_id: c for c in service.cells.all()}
        out.append(
            (
                service,
                [_cell(lookup[x.pk]) if x.pk in lookup else Cell(Owner.NOT_APPLICABLE, "") for x in layers],
            )
        )
    return out
