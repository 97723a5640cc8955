"""Quiz attempts: drawing questions, starting, finding, and summarising a learner's sitting."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404, HttpRequest

from learners.current import current_learner
from learners.models import Learner
from lessons.models import Category, Lesson, Service

from .models import Attempt, AttemptQuestion, Kind, Question, Response

LENGTHS = (5, 10, 20)
FIXED_TOPICS = [
    ("everything", "Everything"),
    ("misconceptions", "Common misconceptions"),
    ("control-types", "Control types"),
]


def topic_choices() -> list[tuple[str, str]]:
    categories = [(f"category:{c.slug}", c.name) for c in Category.objects.all()]
    services = [(f"service:{s.slug}", s.name) for s in Service.objects.order_by("name")]
    return FIXED_TOPICS + categories + services


def topic_label(topic: str) -> str:
    return dict(topic_choices()).get(topic, topic)


def _bucket(question: Question) -> str:
    """Answer classes to balance: the right answer should not usually be 'the customer'."""
    if question.kind == Kind.OWNER:
        return f"owner:{question.duty.owner}"
    if question.kind == Kind.MYTH_FACT:
        return (
            "myth"
            if question.misconception_id
            else f"claim:{question.statement_is_true}:{question.duty.owner}"
        )
    return question.kind


def draw(topic: str, length: int, *, rng: random.Random | None = None) -> list[Question]:
    """Questions for the topic at random, without repeats, taking turns across answer classes."""
    rng = rng or random.Random()
    buckets: dict[str, list[Question]] = defaultdict(list)
    for question in Question.objects.live().for_topic(topic).select_related("duty"):
        buckets[_bucket(question)].append(question)
    for pool in buckets.values():
        rng.shuffle(pool)
    order = list(buckets)
    rng.shuffle(order)
    drawn: list[Question] = []
    while len(drawn) < length and any(buckets.values()):
        for key in order:
            if buckets[key] and len(drawn) < length:
                drawn.append(buckets[key].pop())
    rng.shuffle(drawn)
    return drawn


@transaction.atomic
def start_attempt(
    learner: Learner, *, topic: str, title: str, questions: list[Question], retry_of: Attempt | None = None
) -> Attempt:
    attempt = Attempt.objects.create(learner=learner, topic=topic, title=title, retry_of=retry_of)
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(attempt=attempt, question=q, position=i + 1) for i, q in enumerate(questions)
    )
    return attempt


class AttemptNotFound(Http404):
    """Not this browser's quiz: expired session, another learner's link, or a made-up address."""


def attempt_for(request: HttpRequest, attempt_id) -> Attempt:
    """The attempt, if it belongs to the current learner; anyone else gets a 404, never someone's quiz."""
    learner = current_learner(request)
    attempt = Attempt.objects.filter(pk=attempt_id, learner=learner).first() if learner else None
    if attempt is None:
        raise AttemptNotFound("No such quiz attempt for you.")
    return attempt


@dataclass
class Slot:
    position: int
    question: Question
    response: Response | None


def slot(attempt: Attempt, position: int) -> Slot:
    """One question of the attempt with everything needed to show or grade it (a fixed number of queries)."""
    row = attempt.slots.filter(position=position).first()
    if row is None:
        raise Http404("This quiz has no question with that number.")
    question = (
        Question.objects.select_related("duty__layer", "misconception", "control_type", "service")
        .prefetch_related(
            "options", "duty__services", "duty__categories", "service__cells__layer", "sort_items__duty"
        )
        .get(pk=row.question_id)
    )
    response = Response.objects.filter(attempt=attempt, question=question).first()
    return Slot(row.position, question, response)


def first_open_position(attempt: Attempt) -> int | None:
    answered = attempt.responses.values("question_id")
    row = attempt.slots.exclude(question_id__in=answered).order_by("position").first()
    return row.position if row else None


@dataclass
class Breakdown:
    name: str
    right: float = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.total) if self.total else 0


@dataclass
class Summary:
    attempt: Attempt
    slots: list[Slot]
    score: float
    answered: int
    total: int
    seconds: int | None
    by_layer: list[Breakdown] = field(default_factory=list)
    by_category: list[Breakdown] = field(default_factory=list)
    missed: list[Slot] = field(default_factory=list)
    review: list[Lesson] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0


def summarise(attempt: Attempt) -> Summary:
    """Score, time, per-layer and per-category breakdowns and the missed questions. Fixed query count."""
    rows = list(
        attempt.slots.select_related(
            "question__duty", "question__misconception", "question__service", "question__control_type"
        ).prefetch_related(
            "question__layers",
            "question__categories",
            "question__services__category",
            "question__duty__categories",
            "question__duty__services",
            "question__duty__misconceptions",
            "question__options__misconception",
            "question__service__cells__layer",
            "question__sort_items__duty",
        )
    )
    responses = {r.question_id: r for r in attempt.responses.all()}
    items = [Slot(r.position, r.question, responses.get(r.question_id)) for r in rows]
    layers: dict[str, Breakdown] = {}
    categories: dict[str, Breakdown] = {}
    for item in items:
        earned = item.response.score if item.response else 0
        for layer in item.question.layers.all():
            b = layers.setdefault(layer.name, Breakdown(layer.name))
            b.right += earned
            b.total += 1
        cats = {c.name for c in item.question.categories.all()} | {
            s.category.name for s in item.question.services.all()
        }
        for name in cats:
            b = categories.setdefault(name, Breakdown(name))
            b.right += earned
            b.total += 1
    answered = [i for i in items if i.response]
    times = [i.response.answered_at for i in answered]
    missed = [i for i in items if not i.response or not i.response.correct]
    review_slugs = {"core-split"}
    for item in missed:
        target = item.question.learn_more
        if target.startswith("lesson:"):
            review_slugs.add(target.removeprefix("lesson:"))
        for c in item.question.categories.all():
            review_slugs.add(f"{c.slug}-services")
        for s in item.question.services.all():
            review_slugs.add(f"{s.category.slug}-services")
    review = list(Lesson.objects.filter(slug__in=review_slugs)) if missed else []
    return Summary(
        attempt=attempt,
        slots=items,
        score=sum(i.response.score for i in answered),
        answered=len(answered),
        total=len(items),
        seconds=int((max(times) - attempt.started_at).total_seconds()) if times else None,
        by_layer=sorted(layers.values(), key=lambda b: (b.percent, b.name)),
        by_category=sorted(categories.values(), key=lambda b: (b.percent, b.name)),
        missed=missed,
        review=review,
    )
