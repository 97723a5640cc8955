"""The data blocks a lesson page shows after its body (`shows` in the lesson's front matter).

Each block costs a fixed number of queries, whatever the size of the pack.
"""

from django.db.models import Prefetch

from . import matrix
from .models import (
    BestPractice,
    Category,
    ComplianceTopic,
    ControlType,
    ExamTask,
    Layer,
    MatrixCell,
    Misconception,
    Note,
    Service,
    Wording,
)


def _services(queryset=None):
    queryset = queryset if queryset is not None else Service.objects.all()
    return list(
        queryset.select_related("category").prefetch_related(
            Prefetch("cells", queryset=MatrixCell.objects.select_related("layer"))
        )
    )


def build(show: str) -> dict:
    """One block's context: {'kind': ..., plus what its template needs}."""
    kind, _, arg = show.partition(":")
    if kind in ("core-matrix", "category-matrix"):
        categories, rows = matrix.category_matrix()
        diagram = matrix.stack_diagram([c.name for c in categories], rows)
        return {"kind": "category-matrix", "categories": categories, "rows": rows, "diagram": diagram}
    if kind == "control-types":
        return {"kind": kind, "control_types": list(ControlType.objects.all())}
    if kind == "wordings":
        return {
            "kind": kind,
            "wordings": list(Wording.objects.prefetch_related("categories")),
            "notes": {n.key: n.text for n in Note.objects.all()},
            "categories": list(Category.objects.select_related("two_category_home")),
        }
    if kind == "category":
        category = Category.objects.filter(slug=arg).first()
        services = _services(Service.objects.filter(category=category)) if category else []
        categories, category_rows = matrix.category_matrix()
        column = next((i for i, c in enumerate(categories) if c == category), None)
        diagram = matrix.stack_diagram([c.name for c in categories], category_rows) if category else []
        return {
            "kind": kind,
            "category": category,
            "services": services,
            "rows": matrix.service_matrix(services),
            "diagram": diagram[column : column + 1] if column is not None else [],
        }
    if kind == "services":
        return {"kind": kind, "categories": grouped_services()}
    if kind == "misconceptions":
        return {
            "kind": kind,
            "misconceptions": list(Misconception.objects.prefetch_related("layers", "services")),
        }
    if kind == "best-practices":
        return {
            "kind": kind,
            "best_practices": list(
                BestPractice.objects.prefetch_related("services", Prefetch("duties", to_attr="duty_list"))
            ),
        }
    if kind == "compliance":
        return {"kind": kind, "topics": list(ComplianceTopic.objects.all())}
    if kind == "exam":
        return {"kind": kind, "tasks": list(ExamTask.objects.all())}
    if kind == "cheat-sheet":
        services = _services(Service.objects.order_by("category__position", "name"))
        layers = list(Layer.objects.order_by("order"))
        return {"kind": kind, "layers": layers, "rows": matrix.services_by_layer(services, layers)}
    return {"kind": "unknown"}


def grouped_services() -> list[tuple[Category, list[Service]]]:
    categories = list(
        Category.objects.prefetch_related(Prefetch("services", queryset=Service.objects.order_by("name")))
    )
    return [(c, list(c.services.all())) for c in categories]
