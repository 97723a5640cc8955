"""Quiz topics as the learner chooses them: choices and labels (the grammar is lessons.pack.parse_topic)."""

from __future__ import annotations

from lessons.models import Category, Lesson, Service
from lessons.pack import EXAM_TASK_TITLES, FIXED_TOPICS

LABELS = {
    "everything": "Everything",
    "misconceptions": "Common misconceptions",
    "control-types": "Control types",
}


def topic_choices() -> list[tuple[str, str]]:
    categories = [(f"category:{c.slug}", c.name) for c in Category.objects.only("slug", "name")]
    services = [(f"service:{s.slug}", s.name) for s in Service.objects.order_by("name").only("slug", "name")]
    lessons = [
        (f"lesson:{x.slug}", f"Lesson {x.order}: {x.title}")
        for x in Lesson.objects.path().only("slug", "title", "order")
    ]
    tasks = [(f"task:{task}", f"CLF-C02 {title}") for task, title in EXAM_TASK_TITLES.items()]
    return [(topic, LABELS[topic]) for topic in FIXED_TOPICS] + lessons + tasks + categories + services


def topic_label(topic: str, choices: list[tuple[str, str]] | None = None) -> str:
    return dict(choices if choices is not None else topic_choices()).get(topic, topic)
