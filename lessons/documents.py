"""The responsibility model as documents: the pack format (for export_content) and /api/matrix.json.

Both are built from the database in a fixed number of queries, however large the pack grows.
"""

import json
import time
from pathlib import Path

import yaml
from django.core.cache import cache
from django.db import connection
from django.db.models import F, Prefetch

from .models import (
    BestPractice,
    Category,
    ComplianceTopic,
    ContentVersion,
    ControlType,
    Duty,
    ExamTask,
    GlossaryTerm,
    Layer,
    Lesson,
    MatrixCell,
    Misconception,
    Note,
    Owner,
    Service,
    Wording,
)

API_KEY = "lessons:matrix-json:{version}"
VERSION_ROW = 1


def content_version() -> int:
    """The current content version: one primary-key read, the same in every process."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {ContentVersion._meta.db_table} WHERE id = %s", [VERSION_ROW])
        row = cursor.fetchone()
    return row[0] if row else 0


def content_changed() -> None:
    """Invalidate everything cached from the content (call after any write to it, in its transaction)."""
    if ContentVersion.objects.filter(pk=VERSION_ROW).update(number=F("number") + 1):
        return
    # First write ever (or a flushed database): start from the clock, so a version number used before
    # a database reset is not reused while a shared cache still holds pages built for it.
    ContentVersion.objects.get_or_create(pk=VERSION_ROW, defaults={"number": time.time_ns() // 1000})
    ContentVersion.objects.filter(pk=VERSION_ROW).update(number=F("number") + 1)


def _slugs(related) -> list[str]:
    return [obj.slug for obj in related.all()]


def pack_document() -> dict:
    """Every kind of content as lists of dicts in the pack format (docs/content-format.md)."""
    categories = list(Category.objects.select_related("two_category_home"))
    services = list(
        Service.objects.select_related("category").prefetch_related(
            Prefetch("cells", queryset=MatrixCell.objects.select_related("layer").order_by("layer__order"))
        )
    )
    duties = list(Duty.objects.select_related("layer").prefetch_related("services", "categories"))
    doc = {
        "layers": [
            {"slug": x.slug, "name": x.name, "order": x.order, "description": x.description}
            for x in Layer.objects.all()
        ],
        "categories": [
            {
                "slug": c.slug,
                "name": c.name,
                "summary": c.summary,
                "aws_manages": c.aws_manages,
                "customer_manages": c.customer_manages,
                "examples": c.examples,
                "two_category_home": c.two_category_home.slug if c.two_category_home else None,
                "sources": c.sources,
            }
            for c in categories
        ],
        "wordings": [
            {
                "slug": w.slug,
                "name": w.name,
                "description": w.description,
                "categories": _slugs(w.categories),
                "sources": w.sources,
            }
            for w in Wording.objects.prefetch_related("categories")
        ],
        "notes": {n.key: n.text for n in Note.objects.all()},
        "services": [
            {
                "slug": s.slug,
                "name": s.name,
                "category": s.category.slug,
                "category_inferred": s.category_inferred,
                "summary": s.summary,
                "sources": s.sources,
                **({"changed_after_reports": s.changed_after_reports} if s.changed_after_reports else {}),
                "matrix": {
                    cell.layer.slug: _drop_empty(
                        {
                            "owner": cell.owner,
                            "reason": cell.reason,
                            "condition": cell.condition,
                            "sources": cell.sources,
                            "checked_on": cell.checked_on.isoformat(),
                            "changed_after_reports": cell.changed_after_reports,
                        }
                    )
                    for cell in s.cells.all()
                },
            }
            for s in services
        ],
        "duties": [
            {
                "slug": d.slug,
                "statement": d.statement,
                "owner": d.owner,
                "layer": d.layer.slug,
                "services": _slugs(d.services),
                "categories": _slugs(d.categories),
                "explanation": d.explanation,
                "sources": d.sources,
                "exam_tasks": d.exam_tasks,
                "checked_on": d.checked_on.isoformat(),
                **({"changed_after_reports": d.changed_after_reports} if d.changed_after_reports else {}),
                "group": d.group,
            }
            for d in duties
        ],
        "misconceptions": [
            _drop_empty(
                {
                    "slug": m.slug,
                    "myth": m.myth,
                    "correction": m.correction,
                    "wrong_owner": m.wrong_owner,
                    "layers": _slugs(m.layers),
                    "services": _slugs(m.services),
                    "duties": _slugs(m.duties),
                    "sources": m.sources,
                    "exam_tasks": m.exam_tasks,
                    "checked_on": m.checked_on.isoformat(),
                    "changed_after_reports": m.changed_after_reports,
                }
            )
            for m in Misconception.objects.prefetch_related("layers", "services", "duties")
        ],
        "control_types": [
            {
                "slug": c.slug,
                "name": c.name,
                "description": c.description,
                "aws_part": c.aws_part,
                "customer_part": c.customer_part,
                "examples": c.examples,
                "duties": _slugs(c.duties),
                "sources": c.sources,
            }
            for c in ControlType.objects.prefetch_related("duties")
        ],
        "best_practices": [
            _drop_empty(
                {
                    "slug": b.slug,
                    "title": b.title,
                    "summary": b.summary,
                    "duties": _slugs(b.duties),
                    "services": _slugs(b.services),
                    "other_tools": b.other_tools,
                    "sources": b.sources,
                }
            )
            for b in BestPractice.objects.prefetch_related("duties", "services")
        ],
        "compliance": [
            {
                "slug": c.slug,
                "framework": c.framework,
                "aws_attests": c.aws_attests,
                "customer_owns": c.customer_owns,
                "sources": c.sources,
            }
            for c in ComplianceTopic.objects.all()
        ],
        "exam_tasks": [
            _drop_empty(
                {
                    "slug": e.slug,
                    "exam": e.exam,
                    "domain": e.domain,
                    "title": e.title,
                    "skills": e.skills,
                    "related": e.related,
                    "sources": e.sources,
                }
            )
            for e in ExamTask.objects.all()
        ],
        "lessons": [
            _drop_empty(
                {
                    "slug": x.slug,
                    "title": x.title,
                    "order": x.order,
                    "objectives": x.objectives,
                    "summary": x.summary,
                    "shows": x.shows,
                    "quiz": x.quiz,
                    "relies_on": x.relies_on,
                    "teaches": x.teaches,
                    "sources": x.sources,
                    "body": x.body,
                }
            )
            for x in Lesson.objects.all()
        ],
        "glossary": [
            _drop_empty(
                {
                    "slug": t.slug,
                    "term": t.term,
                    "aliases": t.aliases,
                    "match_case": t.match_case or None,
                    "definition": t.definition,
                    "layers": _slugs(t.layers),
                    "services": _slugs(t.services),
                    "lessons": _slugs(t.lessons),
                    "sources": t.sources,
                    "checked_on": t.checked_on.isoformat(),
                }
            )
            for t in GlossaryTerm.objects.order_by("position").prefetch_related(
                "layers", "services", "lessons"
            )
        ],
    }
    return doc


def _drop_empty(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in ("", None, [])}


def matrix_document() -> dict:
    """The public JSON export (README: "JSON export")."""
    doc = pack_document()
    used = {cell["owner"] for s in doc["services"] for cell in s["matrix"].values()}
    used |= {d["owner"] for d in doc["duties"]}
    for duty in doc["duties"]:
        duty.pop("group")
    return {
        "owners": [o for o in Owner.values if o in used],
        "layers": doc["layers"],
        "categories": doc["categories"],
        "wordings": doc["wordings"],
        "notes": doc["notes"],
        "services": doc["services"],
        "duties": doc["duties"],
        "misconceptions": doc["misconceptions"],
        "control_types": doc["control_types"],
        "best_practices": doc["best_practices"],
        "compliance": doc["compliance"],
        "exam_tasks": doc["exam_tasks"],
        "glossary": doc["glossary"],
    }


def matrix_json(version: int) -> str:
    """matrix_document() as JSON text, cached under the given content version."""
    key = API_KEY.format(version=version)
    text = cache.get(key)
    if text is None:
        text = json.dumps(matrix_document(), ensure_ascii=False, separators=(",", ":"))
        cache.set(key, text, timeout=60 * 60 * 24)
    return text


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key, as the hand-written files do.
        return super().increase_indent(flow, False)


def _str_representer(dumper, value: str):
    # Long prose reads best folded, as the authors write it; short values stay plain.
    text = value.strip()
    style = "|" if "\n" in text else (">" if len(text) > 80 and " " in text else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", text if style else value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data) -> str:
    """YAML as the content files are written by hand: keys in order, prose folded."""
    return _dump(data)


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_pack(root: Path) -> list[Path]:
    """Write the database back into the content files under root (export_content)."""
    doc = pack_document()
    written: list[Path] = []

    def write(relative: str, data) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(data), encoding="utf-8")
        written.append(path)

    write("layers.yaml", {"layers": doc["layers"]})
    write(
        "categories.yaml",
        {"categories": doc["categories"], "wordings": doc["wordings"], **doc["notes"]},
    )
    services_dir = root / "services"
    keep = {f"{s['slug']}.yaml" for s in doc["services"]}
    for stale in services_dir.glob("*.yaml") if services_dir.is_dir() else []:
        if stale.name not in keep:
            stale.unlink()
    for service in doc["services"]:
        write(f"services/{service['slug']}.yaml", service)
    groups: dict[str, list[dict]] = {}
    for duty in doc["duties"]:
        group = duty.pop("group")
        groups.setdefault(group, []).append(
            {k: v for k, v in duty.items() if k not in ("services", "categories") or v}
        )
    duties_dir = root / "duties"
    for stale in duties_dir.glob("*.yaml") if duties_dir.is_dir() else []:
        if stale.stem not in groups:
            stale.unlink()
    for group, duties in groups.items():
        write(f"duties/{group}.yaml", {"duties": duties})
    write("misconceptions.yaml", {"misconceptions": doc["misconceptions"]})
    write("control_types.yaml", {"control_types": doc["control_types"]})
    write("best_practices.yaml", {"best_practices": doc["best_practices"]})
    write("compliance.yaml", {"compliance": doc["compliance"]})
    write("exam.yaml", {"exam_tasks": doc["exam_tasks"]})
    if doc["glossary"]:
        write("glossary.yaml", {"terms": doc["glossary"]})
    lessons_dir = root / "lessons"
    keep = {f"{x['order']:02d}-{x['slug']}.md" for x in doc["lessons"]}
    for stale in lessons_dir.glob("*.md") if lessons_dir.is_dir() else []:
        if stale.name not in keep:
            stale.unlink()
    for lesson in doc["lessons"]:
        body = lesson.pop("body")
        path = lessons_dir / f"{lesson['order']:02d}-{lesson['slug']}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{_dump(lesson)}---\n\n{body.strip()}\n", encoding="utf-8")
        written.append(path)
    return written
