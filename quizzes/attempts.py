"""Quiz attempts: drawing questions, starting, finding, and summarising a learner's sitting.

Domain functions take a learner (or an attempt found for one) and raise the errors below; views,
commands, the classroom or a scheduler decide what those mean for their users.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from learners.current import writable_learner
from learners.models import Learner
from lessons.models import Lesson, Service

from . import kinds
from .models import Attempt, AttemptQuestion, Mode, Question, Response

LENGTHS = (5, 10, 20)
# A second "Start the quiz" within this window (a double click, a resubmitted form) reopens the first.
START_WINDOW = timedelta(seconds=10)


class AttemptNotFound(Exception):
    """Not this learner's quiz: expired session, another learner's link, or a made-up address."""


class NoSuchQuestion(Exception):
    """The attempt has no question at that position."""


def draw(topic: str, length: int, *, rng: random.Random | None = None) -> list[Question]:
    """Questions for the topic at random, taking turns across answer classes, no two on one subject."""
    rng = rng or random.Random()
    buckets: dict[str, list[Question]] = defaultdict(list)
    candidates = list(
        Question.objects.live().for_topic(topic).select_related("duty").prefetch_related("sort_items")
    )
    for question in candidates:
        buckets[kinds.kind_module(question.kind).bucket(question)].append(question)
    for pool in buckets.values():
        rng.shuffle(pool)
    order = list(buckets)
    rng.shuffle(order)
    drawn: list[Question] = []
    asked: set[str] = set()  # subjects already drawn: never two near-duplicate questions
    while len(drawn) < length and any(buckets.values()):
        for key in order:
            while buckets[key] and len(drawn) < length:
                question = buckets[key].pop()
                subjects = kinds.kind_module(question.kind).subjects(question)
                if not subjects & asked:
                    asked |= subjects
                    drawn.append(question)
                    break
    rng.shuffle(drawn)
    return drawn


@transaction.atomic
def start_attempt(
    learner: Learner,
    *,
    topic: str,
    title: str,
    questions: list[Question],
    retry_of: Attempt | None = None,
    mode: str = Mode.PRACTICE,
) -> Attempt:
    """A new attempt over the questions, or the same learner's identical one started a moment ago."""
    # The learner's row lock makes two simultaneous starts see each other: starting is idempotent.
    learner = writable_learner(learner)
    recent = (
        Attempt.objects.filter(
            learner=learner,
            topic=topic,
            title=title,
            mode=mode,
            retry_of=retry_of,
            total=len(questions),
            answered_count=0,
            started_at__gte=timezone.now() - START_WINDOW,
        )
        .order_by("-started_at")
        .first()
    )
    if recent is not None:
        return recent
    attempt = Attempt.objects.create(
        learner=learner, topic=topic, title=title, retry_of=retry_of, mode=mode, total=len(questions)
    )
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(attempt=attempt, question=q, position=i + 1) for i, q in enumerate(questions)
    )
    return attempt


def find_attempt(learner: Learner | None, attempt_id) -> Attempt:
    """The attempt, if it belongs to the learner; anyone else gets AttemptNotFound, never someone's quiz."""
    # Every quiz page reads it: one plain statement (the ORM's query building cost 4 times its execution).
    try:
        pk = Attempt._meta.pk.get_db_prep_value(attempt_id, connection)
    except ValidationError:
        pk = None
    attempt = None
    if learner is not None and pk is not None:
        sql = f"SELECT * FROM {Attempt._meta.db_table} WHERE id = %s AND learner_id = %s"
        attempt = next(iter(Attempt.objects.raw(sql, [pk, learner.pk])), None)
    if attempt is None:
        raise AttemptNotFound("No such quiz attempt for you.")
    return attempt


@dataclass
class Slot:
    position: int
    question: Question
    response: Response | None

    @property
    def skipped(self) -> bool:
        """Left the bank after the attempt started and never answered: it is passed over."""
        return self.response is None and self.question.retired


def slot(
    attempt: Attempt, position: int, *, load: bool = True, question: Callable[[int], Question] | None = None
) -> Slot:
    """One question of the attempt with what its kind needs to show or grade it (fixed queries per kind).

    With load=False the question comes without its kind's relations, through `question(id)` (a page passes
    one cached under the content version): a page that shows a card cached under the content version
    needs only the row, and calls kinds.load itself when it must build the card."""
    if not load:
        return _slot_row(attempt, position, question or _question)
    joins = [f"question__{name}" for name in kinds.JOINS]
    row = attempt.slots.select_related(*joins).filter(position=position).first()
    if row is None:
        raise NoSuchQuestion(f"This quiz has no question {position}.")
    response = Response.objects.filter(attempt=attempt, question_id=row.question_id).first()
    if not row.question.retired:
        # An answered question is shown with its feedback, which compares with today's key.
        kinds.load([row.question], key=response is not None)
    return Slot(row.position, row.question, response)


def _question(pk: int) -> Question:
    return Question.objects.get(pk=pk)


def _slot_row(attempt: Attempt, position: int, question: Callable[[int], Question]) -> Slot:
    """The slot from one plain statement for its ids (every question page reads it) and the response."""
    slots, responses = AttemptQuestion._meta.db_table, Response._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.question_id, r.id FROM {slots} s LEFT JOIN {responses} r"
            " ON r.attempt_id = s.attempt_id AND r.question_id = s.question_id"
            " WHERE s.attempt_id = %s AND s.position = %s",
            [Attempt._meta.pk.get_db_prep_value(attempt.pk, connection), position],
        )
        row = cursor.fetchone()
    if row is None:
        raise NoSuchQuestion(f"This quiz has no question {position}.")
    question_id, response_id = row
    response = None
    if response_id is not None:
        found = Response.objects.raw(f"SELECT * FROM {responses} WHERE id = %s", [response_id])
        response = next(iter(found))
    return Slot(position, question(question_id), response)


def open_slots(attempt: Attempt):
    """Slots still to answer: no response yet and the question still in the bank."""
    answered = Response.objects.filter(attempt=attempt).values("question_id")
    return attempt.slots.exclude(question_id__in=answered).exclude(question__retired=True)


def first_open_position(attempt: Attempt) -> int | None:
    row = open_slots(attempt).order_by("position").first()
    return row.position if row else None


def finish_if_done(attempt: Attempt) -> None:
    """Set finished_at once nothing is left to answer (called with the attempt row locked)."""
    if attempt.finished_at is None and not open_slots(attempt).exists():
        now = timezone.now()
        Attempt.objects.filter(pk=attempt.pk, finished_at__isnull=True).update(finished_at=now)
        attempt.finished_at = now


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
    skipped: int = 0
    by_layer: list[Breakdown] = field(default_factory=list)
    by_category: list[Breakdown] = field(default_factory=list)
    missed: list[Slot] = field(default_factory=list)
    review: list[Lesson] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0

    @property
    def right(self) -> int:
        """Questions answered fully right (partial credit is counted apart, as questions, not points)."""
        return sum(1 for s in self.slots if s.response and s.response.correct)

    @property
    def partly(self) -> int:
        return sum(1 for s in self.slots if s.response and not s.response.correct and s.response.score > 0)


def summarise(attempt: Attempt, lookups: kinds.Lookups | None = None) -> Summary:
    """Score, time, per-layer and per-category breakdowns, missed questions and lessons to review.

    A fixed number of queries whatever the length of the quiz or the kinds in it."""
    lookups = lookups or kinds.Lookups()
    rows = list(attempt.slots.select_related(*[f"question__{name}" for name in kinds.JOINS]))
    questions = [r.question for r in rows]
    kinds.load(questions)

    services = Prefetch("services", queryset=Service.objects.select_related("category"))  # one query, not two
    prefetch_related_objects(questions, "layers", "categories", services)
    responses = {r.question_id: r for r in attempt.responses.all()}
    items = [Slot(r.position, r.question, responses.get(r.question_id)) for r in rows]
    counted = [i for i in items if not i.skipped]
    layers: dict[str, Breakdown] = {}
    categories: dict[str, Breakdown] = {}
    for item in counted:
        earned = item.response.score if item.response else 0
        question = item.question
        for layer in question.layers.all():
            b = layers.setdefault(layer.name, Breakdown(layer.name))
            b.right += earned
            b.total += 1
        names = {c.name for c in question.categories.all()} | {
            s.category.name for s in question.services.all()
        }
        for name in names:
            b = categories.setdefault(name, Breakdown(name))
            b.right += earned
            b.total += 1
    answered = [i for i in counted if i.response]
    times = [i.response.answered_at for i in answered]
    missed = [i for i in counted if not i.response or not i.response.correct]
    topics: list[str] = []
    for item in missed:
        if not item.question.retired:
            topics += kinds.kind_module(item.question.kind).topics(item.question)
    review = sorted(lookups.lessons_teaching(topics), key=lambda x: x.order)
    return Summary(
        attempt=attempt,
        slots=items,
        score=sum(i.response.score for i in answered),
        answered=len(answered),
        total=len(counted),
        skipped=len(items) - len(counted),
        seconds=int((max(times) - attempt.started_at).total_seconds()) if times else None,
        by_layer=sorted(layers.values(), key=lambda b: (b.percent, b.name)),
        by_category=sorted(categories.values(), key=lambda b: (b.percent, b.name)),
        missed=missed,
        review=review,
    )
