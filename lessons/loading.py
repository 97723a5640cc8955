"""Load a validated content pack into the database: one transaction, upsert by slug, prune the rest.

Writes are in bulk and only for what changed, so loading the real pack stays well under a few seconds.
"""

import datetime
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
    GlossaryTerm,
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
    """Create or update each item by slug in bulk, keeping file order; unchanged rows are not written.

    fields maps a model attribute (attnames for foreign keys, e.g. "category_id") to a pack key or to a
    function of the item's data. Rows keep their primary keys across loads.
    """
    existing = model.objects.in_bulk([item.data["slug"] for item in items], field_name="slug")
    rows, new, changed = {}, [], []
    for position, item in enumerate(items):
        data = item.data
        values = {name: value(data) if callable(value) else data.get(value) for name, value in fields.items()}
        values["position"] = position
        row = existing.get(data["slug"])
        if row is None:
            new.append(row := model(slug=data["slug"], **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
        rows[data["slug"]] = row
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(changed, list(fields) + ["position"])
    return rows


def _link(relation, links: dict[int, list[int]]) -> None:
    """Make a many-to-many relation hold exactly links (row pk -> related pks), writing only the difference."""
    field = relation.field
    through = relation.through
    source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    wanted = {(pk, other) for pk, others in links.items() for other in others}
    existing = {
        (pk, other): link
        for link, pk, other in through.objects.filter(**{f"{source}__in": list(links)}).values_list(
            "pk", source, target
        )
    }
    stale = [link for pair, link in existing.items() if pair not in wanted]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    through.objects.bulk_create(
        [through(**{source: pk, target: other}) for pk, other in sorted(wanted - set(existing))]
    )


def _pks(rows: dict, slugs) -> list[int]:
    return [rows[slug].pk for slug in slugs or []]


def _text(key: str, default: str = ""):
    return lambda data: data.get(key) or default


def _list(key: str):
    return lambda data: list(data.get(key) or [])


def _date(key: str):
    return lambda data: datetime.date.fromisoformat(data[key])


def _upsert_cells(pack: Pack, services: dict, layers: dict) -> None:
    """One cell per service and layer, updated in place so each keeps its primary key."""
    existing = {
        (cell.service_id, cell.layer_id): cell
        for cell in MatrixCell.objects.filter(service__in=[s.pk for s in services.values()])
    }
    fields = ["owner", "reason", "condition", "sources", "checked_on", "changed_after_reports"]
    new, changed = [], []
    for item in pack["services"]:
        service = services[item.data["slug"]]
        for layer_slug, cell in item.data["matrix"].items():
            values = {
                "owner": cell["owner"],
                "reason": cell["reason"].strip(),
                "condition": (cell.get("condition") or "").strip(),
                "sources": list(cell.get("sources") or []),
                "checked_on": datetime.date.fromisoformat(cell["checked_on"]),
                "changed_after_reports": list(cell.get("changed_after_reports") or []),
            }
            row = existing.get((service.pk, layers[layer_slug].pk))
            if row is None:
                new.append(MatrixCell(service=service, layer=layers[layer_slug], **values))
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                changed.append(row)
    MatrixCell.objects.bulk_create(new)
    if changed:
        MatrixCell.objects.bulk_update(changed, fields)


@transaction.atomic
def _load(pack: Pack) -> dict[str, int]:
    # Items gone from the pack go first, so PROTECT'd references to them cannot block the load.
    for model, kind in [
        (BestPractice, "best_practices"),
        (Misconception, "misconceptions"),
        (Duty, "duties"),
        (Service, "services"),
        (Wording, "wordings"),
        (GlossaryTerm, "glossary"),
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
        },
    )
    homes = []
    for item in pack["categories"]:
        category = categories[item.data["slug"]]
        home = categories[item.data["two_category_home"]].pk
        if category.two_category_home_id != home:
            category.two_category_home_id = home
            homes.append(category)
    Category.objects.bulk_update(homes, ["two_category_home"])
    Category.objects.exclude(slug__in=categories).delete()

    wordings = _upsert(
        Wording, pack["wordings"], {"name": "name", "description": "description", "sources": _list("sources")}
    )
    _link(
        Wording.categories,
        {wordings[i.data["slug"]].pk: _pks(categories, i.data["categories"]) for i in pack["wordings"]},
    )

    for key, text in pack.texts.items():
        Note.objects.update_or_create(key=key, defaults={"text": text})
    Note.objects.exclude(key__in=pack.texts).delete()

    services = _upsert(
        Service,
        pack["services"],
        {
            "name": "name",
            "category_id": lambda d: categories[d["category"]].pk,
            "category_inferred": lambda d: bool(d.get("category_inferred")),
            "summary": "summary",
            "sources": _list("sources"),
            "changed_after_reports": _list("changed_after_reports"),
        },
    )
    _upsert_cells(pack, services, layers)

    groups = {i.slug: Path(i.file).stem for i in pack["duties"]}
    duties = _upsert(
        Duty,
        pack["duties"],
        {
            "statement": lambda d: d["statement"].strip(),
            "owner": "owner",
            "layer_id": lambda d: layers[d["layer"]].pk,
            "explanation": "explanation",
            "sources": _list("sources"),
            "exam_tasks": _list("exam_tasks"),
            "checked_on": _date("checked_on"),
            "changed_after_reports": _list("changed_after_reports"),
            "group": lambda d: groups[d["slug"]],
        },
    )
    _link(Duty.services, {duties[i.slug].pk: _pks(services, i.data.get("services")) for i in pack["duties"]})
    _link(
        Duty.categories,
        {duties[i.slug].pk: _pks(categories, i.data.get("categories")) for i in pack["duties"]},
    )

    misconceptions = _upsert(
        Misconception,
        pack["misconceptions"],
        {
            "myth": "myth",
            "correction": "correction",
            "wrong_owner": _text("wrong_owner"),
            "sources": _list("sources"),
            "exam_tasks": _list("exam_tasks"),
            "checked_on": _date("checked_on"),
            "changed_after_reports": _list("changed_after_reports"),
        },
    )
    myths = pack["misconceptions"]
    _link(Misconception.layers, {misconceptions[i.slug].pk: _pks(layers, i.data["layers"]) for i in myths})
    _link(
        Misconception.services,
        {misconceptions[i.slug].pk: _pks(services, i.data.get("services")) for i in myths},
    )
    _link(
        Misconception.duties, {misconceptions[i.slug].pk: _pks(duties, i.data.get("duties")) for i in myths}
    )

    controls = _upsert(
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
    _link(
        ControlType.duties,
        {controls[i.slug].pk: _pks(duties, i.data.get("duties")) for i in pack["control_types"]},
    )

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
    bps = pack["best_practices"]
    _link(BestPractice.duties, {practices[i.slug].pk: _pks(duties, i.data["duties"]) for i in bps})
    _link(BestPractice.services, {practices[i.slug].pk: _pks(services, i.data.get("services")) for i in bps})

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
                "relies_on": list(d.get("relies_on") or []),
                "sources": list(d["sources"]),
            },
        )

    lessons = {lesson.slug: lesson for lesson in Lesson.objects.only("slug")}
    terms = _upsert(
        GlossaryTerm,
        pack["glossary"],
        {
            "term": lambda d: d["term"].strip(),
            "aliases": _list("aliases"),
            "match_case": lambda d: bool(d.get("match_case")),
            "definition": lambda d: d["definition"].strip(),
            "sources": _list("sources"),
            "checked_on": _date("checked_on"),
        },
    )
    glossary = pack["glossary"]
    _link(GlossaryTerm.layers, {terms[i.slug].pk: _pks(layers, i.data.get("layers")) for i in glossary})
    _link(GlossaryTerm.services, {terms[i.slug].pk: _pks(services, i.data.get("services")) for i in glossary})
    _link(GlossaryTerm.lessons, {terms[i.slug].pk: _pks(lessons, i.data.get("lessons")) for i in glossary})

    return {kind: len(pack[kind]) for kind in pack.items}
