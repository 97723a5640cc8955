"""What each question is about (exam tasks, layers, service categories, services, duties), read in bulk.

Exam drawing balances over these, exam readiness and the progress dashboard group answers by them. One
query per relation for any number of questions, so callers keep a fixed query count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lessons.pack import EXAM_TASK_TITLES as TASK_NAMES

from .models import Question


@dataclass
class Tags:
    tasks: set[str] = field(default_factory=set)
    layers: set[tuple[str, str]] = field(default_factory=set)
    categories: set[tuple[str, str]] = field(default_factory=set)
    services: set[tuple[str, str]] = field(default_factory=set)
    duties: set[int] = field(default_factory=set)

    def groups(self) -> list[str]:
        """Every topic key of the question, e.g. "task:2.1", "layer:guest-os", "category:infrastructure"."""
        return (
            [f"task:{t}" for t in self.tasks]
            + [f"layer:{s}" for s, _ in self.layers]
            + [f"category:{s}" for s, _ in self.categories]
        )


def tag(questions) -> dict[int, Tags]:
    """Tags for every question in the queryset (or list of ids): six queries however many there are.

    Exam tasks are the question's own (Question.exam_tasks, which the loader takes from what it tests)."""
    ids = questions.values("pk") if hasattr(questions, "values") else list(questions)
    found: dict[int, Tags] = defaultdict(Tags)
    for pk, duty_id, tasks in Question.objects.filter(pk__in=ids).values_list("pk", "duty_id", "exam_tasks"):
        tags = found[pk]
        if duty_id:
            tags.duties.add(duty_id)
        tags.tasks.update(tasks or [])
    through = Question.duties.through.objects.filter(question_id__in=ids)
    for pk, duty_id in through.values_list("question_id", "duty_id"):
        found[pk].duties.add(duty_id)
    through = Question.layers.through.objects.filter(question_id__in=ids)
    for pk, slug, name in through.values_list("question_id", "layer__slug", "layer__name"):
        found[pk].layers.add((slug, name))
    through = Question.categories.through.objects.filter(question_id__in=ids)
    for pk, slug, name in through.values_list("question_id", "category__slug", "category__name"):
        found[pk].categories.add((slug, name))
    through = Question.services.through.objects.filter(question_id__in=ids)
    for pk, slug, name, c_slug, c_name in through.values_list(
        "question_id", "service__slug", "service__name", "service__category__slug", "service__category__name"
    ):
        found[pk].services.add((slug, name))
        if c_slug:
            found[pk].categories.add((c_slug, c_name))
    return found


def group_name(key: str, names: dict[str, str]) -> str:
    """A readable name for a topic key, from the names collected while tagging."""
    kind, _, slug = key.partition(":")
    if kind == "task":
        return TASK_NAMES.get(slug, f"Task {slug}")
    return names.get(key, slug)


def names_of(tags: dict[int, Tags]) -> dict[str, str]:
    names: dict[str, str] = {}
    for t in tags.values():
        names.update({f"layer:{s}": n for s, n in t.layers})
        names.update({f"category:{s}": n for s, n in t.categories})
        names.update({f"service:{s}": n for s, n in t.services})
    return names
