"""Authored questions back to their content files (export_content), in the pack format."""

from pathlib import Path

from lessons.documents import dump_yaml

from .models import Origin, Question


def questions_document() -> dict[str, list[dict]]:
    """Authored questions grouped by file, in the format of docs/content-format.md."""
    groups: dict[str, list[dict]] = {}
    questions = Question.objects.filter(origin=Origin.AUTHORED, retired=False).prefetch_related(
        "options__misconception", "duties", "layers", "services", "categories"
    )
    for q in questions:
        data = {
            "slug": q.slug,
            "kind": q.kind,
            "prompt": q.prompt,
            "options": [
                {
                    "text": o.text,
                    "correct": o.correct,
                    "explanation": o.explanation,
                    **({"misconception": o.misconception.slug} if o.misconception else {}),
                }
                for o in q.options.all()
            ],
            "explanation": q.explanation,
            "learn_more": q.learn_more,
            "relies_on": q.relies_on,
            "duties": [x.slug for x in q.duties.all()],
            "layers": [x.slug for x in q.layers.all()],
            "services": [x.slug for x in q.services.all()],
            "categories": [x.slug for x in q.categories.all()],
            "sources": q.sources,
            "exam_tasks": q.exam_tasks,
            "checked_on": q.checked_on.isoformat() if q.checked_on else "",
            "changed_after_reports": q.changed_after_reports,
        }
        groups.setdefault(q.group or "authored", []).append(
            {k: v for k, v in data.items() if v not in ([], "")}
        )
    return groups


def write_questions(root: Path) -> list[Path]:
    written = []
    folder = root / "questions"
    groups = questions_document()
    for stale in folder.glob("*.yaml") if folder.is_dir() else []:
        if stale.stem not in groups:
            stale.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for group, items in groups.items():
        path = folder / f"{group}.yaml"
        path.write_text(dump_yaml({"questions": items}), encoding="utf-8")
        written.append(path)
    return written
