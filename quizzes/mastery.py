"""My progress: a level per layer x service category, per service and per exam task, two charts and one
suggested next step, from the learner's answers and review cards.

Levels (stated on the page): not started (no answer), attempted, familiar (60% or more right over at least 3
questions), proficient (80% or more over at least 5), mastered (proficient, and at least 80% of the topic's
review cards have an FSRS stability of 21 days or more, Anki's "mature"). The queries are fixed however many
answers a learner has: answers are aggregated per question and per day in the database, and what is built
from them is cached under the learner's answers stamp (it changes with every graded answer, which is also
what moves a review card) and the content version; only the counts that move otherwise are read each time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from learners.models import Learner
from lessons.documents import content_version
from lessons.models import Category, Layer, Lesson, LessonProgress, Service

from . import review, tags
from .models import Attempt, Mode, Response, ReviewCard

MATURE_DAYS = 21
# Entries for an old stamp or content version are never read again; the timeout only frees memory.
CACHE_SECONDS = 60 * 60 * 24
CHART_DAYS = 30
STRIP_DAYS = 28


class Level:
    NOT_STARTED = "not started"
    ATTEMPTED = "attempted"
    FAMILIAR = "familiar"
    PROFICIENT = "proficient"
    MASTERED = "mastered"
    ORDER = [NOT_STARTED, ATTEMPTED, FAMILIAR, PROFICIENT, MASTERED]


@dataclass
class Standing:
    """What a learner has shown on one topic."""

    key: str
    name: str
    questions: int = 0
    answers: int = 0
    right: float = 0
    mature: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.answers) if self.answers else 0

    @property
    def level(self) -> str:
        if not self.answers:
            return Level.NOT_STARTED
        share = self.right / self.answers
        if self.questions >= 5 and share >= 0.8:
            return Level.MASTERED if self.mature >= 0.8 * self.questions else Level.PROFICIENT
        if self.questions >= 3 and share >= 0.6:
            return Level.FAMILIAR
        return Level.ATTEMPTED

    @property
    def level_class(self) -> str:
        return "level-" + self.level.replace(" ", "-")

    @property
    def quiz_topic(self) -> str | None:
        """The quiz topic that practises this, when the quiz set-up offers one."""
        return self.key if self.key.split(":")[0] in ("service", "category", "task") else None


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    on: bool = True
    value: str = ""

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass
class Day:
    day: date
    answers: int
    right: float

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.answers) if self.answers else 0


@dataclass
class Progress:
    grid: list[tuple[str, list[Standing]]]
    categories: list[tuple[str, str]]
    services: list[Standing]
    by_category: list[Standing]
    tasks: list[Standing]
    days: list[Day]
    strip: list[tuple[date, int]]
    all_days: list[Day] = field(default_factory=list)
    accuracy_bars: list[Bar] = field(default_factory=list)
    strip_cells: list[Bar] = field(default_factory=list)
    lessons_done: int = 0
    lessons_total: int = 0
    cards_due: int = 0
    cards: int = 0
    exams_taken: int = 0
    answers: int = 0
    next_step: Standing | None = None
    cache_key: str = ""

    @property
    def days_practised(self) -> int:
        return sum(1 for _, n in self.strip if n)


def _standings(learner: Learner):
    per_question = {
        q: (n, right or 0.0)
        for q, n, right in Response.objects.filter(attempt__learner=learner)
        .values("question_id")
        .annotate(n=Count("id"), right=Sum("score"))
        .values_list("question_id", "n", "right")
    }
    mature = set(
        ReviewCard.objects.for_learner(learner)
        .filter(stability__gte=MATURE_DAYS)
        .values_list("question_id", flat=True)
    )
    found = tags.tag(list(per_question))
    return per_question, mature, found


def _add(standing: Standing, question_id: int, per_question, mature) -> None:
    n, right = per_question[question_id]
    standing.questions += 1
    standing.answers += n
    standing.right += right
    standing.mature += question_id in mature


def answers_stamp(learner: Learner) -> str:
    """Changes whenever the learner's graded answers do (a new answer, a merge, a deletion): one query."""
    found = Response.objects.filter(attempt__learner=learner).aggregate(n=Count("id"), last=Max("id"))
    return f"{found['n']}-{found['last'] or 0}"


def progress(learner: Learner | None, now: datetime | None = None) -> Progress:
    """Everything the page shows, in a fixed number of queries: the part built from the answers and the
    content comes from the cache while neither changed."""
    now = now or timezone.now()
    stamp = answers_stamp(learner) if learner is not None else "none"
    key = f"mastery:{learner.pk if learner else 0}:{stamp}:{content_version()}"
    result = cache.get(key)
    if result is None:
        result = _from_answers(learner)
        result.cache_key = key
        cache.set(key, result, CACHE_SECONDS)
    if learner is not None:
        result.lessons_done = LessonProgress.objects.filter(learner=learner).count()
        result.cards = ReviewCard.objects.for_learner(learner).count()
        result.cards_due = review.due_count(learner.pk, now)
        result.exams_taken = Attempt.objects.for_learner(learner).filter(mode=Mode.EXAM).finished().count()
    answered_on = {d.day: d.answers for d in result.all_days}
    today = now.date()
    result.strip = [
        (today - timedelta(days=i), answered_on.get(today - timedelta(days=i), 0))
        for i in range(STRIP_DAYS - 1, -1, -1)
    ]
    result.strip_cells = strip_cells(result.strip)
    return result


def _from_answers(learner: Learner | None) -> Progress:
    """The standings, the days and the next step: what only changes when the learner answers (or the
    content changes)."""
    layers = list(Layer.objects.order_by("-order").values_list("slug", "name"))
    categories = list(Category.objects.values_list("slug", "name"))
    services = list(Service.objects.order_by("name").values_list("slug", "name"))
    grid = {
        (ls, cs): Standing(f"layer:{ls}+category:{cs}", f"{ln}, {cn}")
        for ls, ln in layers
        for cs, cn in categories
    }
    by_service = {s: Standing(f"service:{s}", n) for s, n in services}
    by_task = {t: Standing(f"task:{t}", name) for t, name in tags.TASK_NAMES.items()}
    by_cat = {s: Standing(f"category:{s}", n) for s, n in categories}
    days: list[Day] = []
    result = Progress(
        grid=[],
        categories=categories,
        services=[],
        by_category=[],
        tasks=[],
        days=days,
        strip=[],
        lessons_total=Lesson.objects.path().count(),
    )
    if learner is not None:
        per_question, mature, found = _standings(learner)
        for question_id, t in found.items():
            for layer_slug, _ in t.layers:
                for category_slug, _ in t.categories:
                    if (layer_slug, category_slug) in grid:
                        _add(grid[layer_slug, category_slug], question_id, per_question, mature)
            for slug, _ in t.categories:
                if slug in by_cat:
                    _add(by_cat[slug], question_id, per_question, mature)
            for slug, _ in t.services:
                if slug in by_service:
                    _add(by_service[slug], question_id, per_question, mature)
            for task in t.tasks:
                if task in by_task:
                    _add(by_task[task], question_id, per_question, mature)
        days += [
            Day(d, n, right or 0.0)
            for d, n, right in Response.objects.filter(attempt__learner=learner)
            .annotate(day=TruncDate("answered_at"))
            .values("day")
            .annotate(n=Count("id"), right=Sum("score"))
            .order_by("day")
            .values_list("day", "n", "right")
        ]
        result.answers = sum(n for n, _ in per_question.values())
    result.grid = [(name, [grid[slug, c] for c, _ in categories]) for slug, name in layers]
    result.services = list(by_service.values())
    result.by_category = list(by_cat.values())
    result.tasks = list(by_task.values())
    result.all_days = days
    result.days = days[-CHART_DAYS:]
    result.accuracy_bars = accuracy_bars(result.days)
    result.next_step = next_step(result.tasks + result.by_category + result.services)
    return result


def next_step(standings: list[Standing]) -> Standing | None:
    """The weakest topic a quiz can practise: the lowest accuracy among started ones (at least 3 answers)."""
    started = [s for s in standings if s.quiz_topic and s.answers >= 3 and s.level != Level.MASTERED]
    if not started:
        return None
    return min(started, key=lambda s: (s.right / s.answers, -s.answers, s.name))


# Charts: geometry in viewBox units, drawn by the template as inline SVG (no script, no style attribute).
CHART_WIDTH, CHART_HEIGHT = 300, 120
CHART_SIZE = {"width": CHART_WIDTH, "height": CHART_HEIGHT}
STRIP_HEIGHT = round(CHART_WIDTH / 7 * STRIP_DAYS / 7)


def percent_bars(points: list[tuple[int, str]]) -> list[Bar]:
    """One bar per (percent, label), oldest first, filling the chart's width."""
    if not points:
        return []
    slot = CHART_WIDTH / len(points)
    return [
        Bar(
            x=round(i * slot + slot * 0.15, 2),
            y=round(CHART_HEIGHT - CHART_HEIGHT * percent / 100, 2),
            width=round(slot * 0.7, 2),
            height=round(CHART_HEIGHT * percent / 100, 2),
            label=label,
            value=f"{percent}%",
        )
        for i, (percent, label) in enumerate(points)
    ]


def accuracy_bars(days: list[Day]) -> list[Bar]:
    return percent_bars([(d.percent, f"{d.day:%d %b}: {d.percent}% of {d.answers}") for d in days])


def strip_cells(strip: list[tuple[date, int]]) -> list[Bar]:
    size = CHART_WIDTH / 7
    return [
        Bar(
            x=round((i % 7) * size + 2, 2),
            y=round((i // 7) * size + 2, 2),
            width=round(size - 4, 2),
            height=round(size - 4, 2),
            label=f"{day:%a %d %b}: {n} answer{'s' if n != 1 else ''}"
            if n
            else f"{day:%a %d %b}: no practice",
            on=bool(n),
        )
        for i, (day, n) in enumerate(strip)
    ]
