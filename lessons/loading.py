"""Load a validated content pack into the database: one transaction, upsert by slug, prune the rest."""

from pathlib import Path

from django.db import transaction

from . import documents
from .models import (
    BestPractice,
    Category,
    ComplianceTopic,
    ControlType,
    Duty,
    ExamTask,
    Layer,
    Lesson,
    MatrixCell,
    Misconception,
    Note,
    Service,
    Wording,
)
from .pack import DEFAULT_ROOT, Pack, load_pack


def load_content(root: Path = DEFAULT_ROOT) -> dict[str, int]:
    """Validate the pack at root and load it; raise PackError (loading nothing) if any rule breaks."""
    return load_pack_into_db(load_pack(root))


def load_pack_into_db(pack: Pack) -> dict[str, int]:
    """Load an already validated pack (one transaction) and invalidate cached exports."""
    counts = _load(pack)
    documents.content_changed()
    return counts


def _upsert(model, items, fields) -> dict[str, object]:
    """update_or_create each item by slug, keeping file order; delete rows the pack no longer has."""
    rows = {}
    for position, item in enumerate(items):
        data = item.data
        defaults = {
            name: value(data) if callable(value) else data.get(value) for name, value in fields.items()
        }
        rows[data["slug"]], _ = model.objects.update_or_create(
            slug=data["slug"], defaults={**defaults, "position": position}
        )
    return rows


def _text(key: str, default: str = ""):
    return lambda data: data.get(key) or default


def _list(key: str):
    return lambda data: list(data.get(key) or [])


@transaction.atomic
def _load(pack: Pack) -> dict[str, int]:
    # Items gone from the pack go first, so PROTECT'd references to them cannot block the load.
    for model, kind in [
        (BestPractice, "best_practices"),
        (Misconception, "misconceptions"),
        (Duty, "duties"),
        (Service, "services"),
        (Wording, "wordings"),
    ]:
        model.objects.exclude(slug__in=[i.data["slug"] for i in pack[kind]]).delete()

    # Park existing orders out of the way so reordering layers never collides on the unique order.
    keep = [i.data["slug"] for i in pack["layers"]]
    Layer.objects.exclude(slug__in=keep).delete()
    for layer in Layer.objects.all():
        Layer.objects.filter(pk=layer.pk).update(order=layer.order + 10_000)
    layers = {}
    for item in pack["layers"]:
        d = item.data
        layers[d["slug"]], _ = Layer.objects.update_or_create(
            slug=d["slug"], defaults={"name": d["name"], "order": d["order"], "description": d["description"]}
        )

    categories = _upsert(
        Category,
        pack["categories"],
        {
            "name": "name",
            "summary": "summary",
            "aws_manages": "aws_manages",
            "customer_manages": "customer_manages",
            "examples": _list("examples"),
            "sources": _list("sources"),
            "two_category_home": lambda d: None,
        },
    )
    for item in pack["categories"]:
        Category.objects.filter(slug=item.data["slug"]).update(
            two_category_home=categories[item.data["two_category_home"]]
        )
    Category.objects.exclude(slug__in=categories).delete()

    wordings = _upsert(
        Wording, pack["wordings"], {"name": "name", "description": "description", "sources": _list("sources")}
    )
    for item in pack["wordings"]:
        wordings[item.data["slug"]].categories.set([categories[c] for c in item.data["categories"]])

    for key, text in pack.texts.items():
        Note.objects.update_or_create(key=key, defaults={"text": text})
    Note.objects.exclude(key__in=pack.texts).delete()

    services = _upsert(
        Service,
        pack["services"],
        {
            "name": "name",
            "category": lambda d: categories[d["category"]],
            "category_inferred": lambda d: bool(d.get("category_inferred")),
            "summary": "summary",
            "sources": _list("sources"),
        },
    )
    for item in pack["services"]:
        service = services[item.data["slug"]]
        for layer_slug, cell in item.data["matrix"].items():
            MatrixCell.objects.update_or_create(
                service=service,
                layer=layers[layer_slug],
                defaults={
                    "owner": cell["owner"],
                    "reason": cell["reason"].strip(),
                    "condition": (cell.get("condition") or "").strip(),
                    "sources": list(cell.get("sources") or []),
                },
            )

    duties = _upsert(
        Duty,
        pack["duties"],
        {
            "statement": lambda d: d["statement"].strip(),
            "owner": "owner",
            "layer": lambda d: layers[d["layer"]],
            "explanation": "explanation",
            "sources": _list("sources"),
        },
    )
    for item in pack["duties"]:
        duty = duties[item.data["slug"]]
        Duty.objects.filter(pk=duty.pk).update(group=Path(item.file).stem)
        duty.services.set([services[s] for s in item.data.get("services") or []])
        duty.categories.set([categories[c] for c in item.data.get("categories") or []])

    misconceptions = _upsert(
        Misconception,
        pack["misconceptions"],
        {
            "myth": "myth",
            "correction": "correction",
            "wrong_owner": _text("wrong_owner"),
            "sources": _list("sources"),
        },
    )
    for item in pack["misconceptions"]:
        m = misconceptions[item.data["slug"]]
        m.layers.set([layers[s] for s in item.data["layers"]])
        m.services.set([services[s] for s in item.data.get("services") or []])
        m.duties.set([duties[s] for s in item.data.get("duties") or []])

    _upsert(
        ControlType,
        pack["control_types"],
        {
            "name": "name",
            "description": "description",
            "aws_part": "aws_part",
            "customer_part": "customer_part",
            "examples": _list("examples"),
            "sources": _list("sources"),
        },
    )
    ControlType.objects.exclude(slug__in=[i.data["slug"] for i in pack["control_types"]]).delete()

    practices = _upsert(
        BestPractice,
        pack["best_practices"],
        {
            "title": "title",
            "summary": "summary",
            "other_tools": _list("other_tools"),
            "sources": _list("sources"),
        },
    )
    for item in pack["best_practices"]:
        bp = practices[item.data["slug"]]
        bp.duties.set([duties[s] for s in item.data["duties"]])
        bp.services.set([services[s] for s in item.data.get("services") or []])

    _upsert(
        ComplianceTopic,
        pack["compliance"],
        {
            "framework": "framework",
            "aws_attests": "aws_attests",
            "customer_owns": "customer_owns",
            "sources": _list("sources"),
        },
    )
    ComplianceTopic.objects.exclude(slug__in=[i.data["slug"] for i in pack["compliance"]]).delete()

    _upsert(
        ExamTask,
        pack["exam_tasks"],
        {
            "exam": "exam",
            "domain": "domain",
            "title": "title",
            "skills": _list("skills"),
            "related": _list("related"),
            "sources": _list("sources"),
        },
    )
    ExamTask.objects.exclude(slug__in=[i.data["slug"] for i in pack["exam_tasks"]]).delete()

    keep = [i.data["slug"] for i in pack["lessons"]]
    Lesson.objects.exclude(slug__in=keep).delete()
    for lesson in Lesson.objects.all():
        Lesson.objects.filter(pk=lesson.pk).update(order=lesson.order + 10_000)
    for item in pack["lessons"]:
        d = item.data
        Lesson.objects.update_or_create(
            slug=d["slug"],
            defaults={
                "title": d["title"],
                "order": d["order"],
                "objectives": list(d["objectives"]),
                "summary": d["summary"],
                "shows": list(d.get("shows") or []),
                "quiz": d.get("quiz") or "",
                "teaches": list(d.get("teaches") or []),
                "body": d["body"],
                "sources": list(d["sources"]),
            },
        )

    return {kind: len(pack[kind]) for kind in pack.items}
