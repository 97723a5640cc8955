"""Exam simulation: a timed section of Domain 2 under exam conditions, graded at the end.

An exam is an attempt in Mode.EXAM with a deadline kept by the server. Until it is submitted (or time runs
out) answers are drafts (ExamDraft) that can change, carry a flag, and collect the time spent on each
question; finish_exam then grades every draft through quizzes.grading.record_answer, like any other answer.
An exam left open finishes itself: lazily on its next access (expire_if_due) and by `manage.py
finish_exams`. It is never a full mock: the bank covers task 2.1 and parts of 2.2 to 2.4, and there is no
scaled score.
"""

from __future__ import annotations

import contextlib
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from learners.models import Learner

from . import kinds, tags
from .attempts import AttemptNotFound, NoSuchQuestion, start_attempt
from .grading import AlreadyAnswered, record_answer
from .models import Attempt, AttemptQuestion, ExamDraft, Kind, Mode, Question

# The real exam's pace: 90 minutes for 65 questions, so 28 for 20 and 56 for 40.
FORMATS = {20: 28, 40: 56}
# Scenario multiple choice and multiple response, owner and myth questions: the exam's own formats.
EXAM_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.OWNER, Kind.MYTH_FACT)
EXAM_TOPIC = "exam"
# Time on one question counts at most this long (a tab left open overnight is not "time on the question").
MAX_SECONDS_PER_VISIT = 30 * 60


class ExamClosed(Exception):
    """The exam was submitted or its time ran out: nothing more is saved."""

    def __init__(self, attempt: Attempt, *, late: bool):
        self.attempt = attempt
        self.late = late
        super().__init__("time is up" if late else "already submitted")


def minutes_for(length: int, *, extra_time: bool) -> int:
    """The exam's minutes; extra time adds 30 minutes per 90, rounded up in the candidate's favour."""
    base = FORMATS[length]
    return base + math.ceil(base * 30 / 90) if extra_time else base


def draw(length: int, *, task: str = "", rng: random.Random | None = None) -> list[Question]:
    """Exam-style questions balanced across exam tasks, layers, service categories and kinds, never two
    on the same duty; only one exam task's questions when `task` names one. Greedy: each pick is a
    question whose topics have been drawn least so far."""
    rng = rng or random.Random()
    pool = Question.objects.live().filter(kind__in=EXAM_KINDS)
    if task:
        pool = pool.for_topic(f"task:{task}")
    candidates = list(pool)
    found = tags.tag(pool)
    rng.shuffle(candidates)
    counts: dict[str, int] = {}
    used_duties: set[int] = set()
    drawn: list[Question] = []
    while len(drawn) < length:
        best, best_score = None, None
        for question in candidates:
            t = found[question.pk]
            if t.duties & used_duties:
                continue
            keys = [*t.groups(), f"kind:{question.kind}"]
            score = sum(counts.get(k, 0) for k in keys) / len(keys)
            if best_score is None or score < best_score:
                best, best_score = question, score
        if best is None:
            break
        drawn.append(best)
        candidates.remove(best)
        t = found[best.pk]
        used_duties |= t.duties
        for key in [*t.groups(), f"kind:{best.kind}"]:
            counts[key] = counts.get(key, 0) + 1
    rng.shuffle(drawn)
    return drawn


# The chart of past exams shows the latest this many (the table beside it lists every one).
CHART_EXAMS = 20


def score_bars(past: list[Attempt]) -> list:
    """Percent right in each finished exam, oldest first, as bars of an inline SVG chart (mastery's
    geometry): the raw percent, never a scaled score."""
    from .mastery import percent_bars

    done = [a for a in past if a.finished_at is not None][-CHART_EXAMS:]
    return percent_bars(
        [
            (a.percent, f"{a.started_at.day} {a.started_at:%b %Y, %H:%M} UTC: {a.percent}% right ({a.title})")
            for a in done
        ]
    )


def title_for(length: int, minutes: int, task: str = "") -> str:
    name = "Section exam" if length == 20 else "Long exam"
    scope = f" on task {task}" if task else ""
    return f"{name}{scope}: {length} questions in {minutes} minutes"


@transaction.atomic
def start_exam(
    learner: Learner, *, length: int, extra_time: bool, task: str = "", rng: random.Random | None = None
) -> Attempt:
    """A new exam (or the same one started a moment ago): questions, drafts and the server's deadline."""
    questions = draw(length, task=task, rng=rng)
    minutes = minutes_for(length, extra_time=extra_time)
    title = title_for(length, minutes, task)
    attempt = start_attempt(learner, topic=EXAM_TOPIC, title=title, questions=questions, mode=Mode.EXAM)
    if attempt.deadline is None:
        attempt.deadline = attempt.started_at + timedelta(minutes=minutes)
        attempt.save(update_fields=["deadline"])
        ExamDraft.objects.bulk_create(ExamDraft(attempt=attempt, question=q) for q in questions)
    return attempt


def expire_if_due(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Finish an open exam whose deadline has passed (grading what was saved in time)."""
    now = now or timezone.now()
    if (
        attempt.mode == Mode.EXAM
        and attempt.finished_at is None
        and attempt.deadline
        and now >= attempt.deadline
    ):
        finish_exam(attempt, now)
    return attempt


def finish_overdue(now: datetime | None = None, learner: Learner | None = None) -> int:
    """Finish every exam (of the learner, or of everyone) left open past its deadline; how many."""
    now = now or timezone.now()
    overdue = Attempt.objects.filter(mode=Mode.EXAM, finished_at__isnull=True, deadline__lte=now)
    if learner is not None:
        overdue = overdue.filter(learner=learner)
    done = 0
    for attempt in overdue:
        finish_exam(attempt, now)
        done += 1
    return done


def finish_exam(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Grade every saved answer and close the exam. Idempotent: a second call (another tab, the command,
    a late request) finds it finished and changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.finished_at is None:
            drafts = list(locked.drafts.filter(answer__isnull=False).select_related("question"))
            questions = kinds.load([d.question for d in drafts if not d.question.retired])
            lookups = kinds.Lookups()
            for draft in drafts:
                if draft.question in questions:
                    # Already graded (a submit racing the deadline): the first grading stands.
                    with contextlib.suppress(AlreadyAnswered):
                        record_answer(locked, draft.question, draft.answer, lookups, guessed=draft.guessed)
            ended = min(now, locked.deadline) if locked.deadline else now
            Attempt.objects.filter(pk=locked.pk).update(finished_at=ended)
    attempt.refresh_from_db()
    return attempt


def _check_open(attempt: Attempt, now: datetime) -> None:
    if attempt.finished_at is not None:
        raise ExamClosed(attempt, late=False)
    if attempt.deadline and now >= attempt.deadline:
        finish_exam(attempt, now)
        raise ExamClosed(attempt, late=True)


@dataclass(frozen=True)
class ExamSlot:
    position: int
    question_id: int
    kind: str


def question_at(attempt: Attempt, position: int) -> ExamSlot:
    """The exam's question at a position: its id and kind (one small query; the page's content comes
    from presented(), cached)."""
    row = attempt.slots.filter(position=position).values_list("question_id", "question__kind").first()
    if row is None:
        raise NoSuchQuestion(f"This exam has no question {position}.")
    return ExamSlot(position, *row)


def find_slot(learner: Learner | None, attempt_id, position: int) -> tuple[Attempt, ExamSlot]:
    """The learner's exam and its question at a position in one query (what saving an answer needs);
    anyone else's attempt, a practice attempt or a position it does not have is not found."""
    row = (
        AttemptQuestion.objects.select_related("attempt")
        .annotate(kind=F("question__kind"))
        .filter(attempt_id=attempt_id, attempt__learner=learner, attempt__mode=Mode.EXAM, position=position)
        .first()
        if learner is not None
        else None
    )
    if row is None:
        raise AttemptNotFound("No such exam question for you.")
    return row.attempt, ExamSlot(row.position, row.question_id, row.kind)


def presented(question_id: int) -> kinds.Presented:
    """The question as the learner sees it, built from the content alone: the views cache it under the
    content version, so saving an answer neither reloads the kind's relations nor rebuilds the choices."""
    question = Question.objects.select_related(*kinds.JOINS).get(pk=question_id)
    kinds.load([question], key=False)
    return kinds.present(question)


def open_question(attempt: Attempt, question_id: int, now: datetime | None = None) -> ExamDraft:
    """The question's draft, noting when it was shown so the time spent on it can be counted."""
    now = now or timezone.now()
    if attempt.finished_at is None:
        ExamDraft.objects.filter(attempt=attempt, question_id=question_id).update(opened_at=now)
    return ExamDraft.objects.get(attempt=attempt, question_id=question_id)


def save_draft(
    attempt: Attempt,
    question_id: int,
    *,
    answer: dict | None,
    guessed: bool,
    flagged: bool,
    now: datetime | None = None,
) -> ExamDraft:
    """Keep the learner's current answer and flag. Refused with ExamClosed once the exam is over, and then
    nothing changes."""
    now = now or timezone.now()
    _check_open(attempt, now)
    with transaction.atomic():
        draft = ExamDraft.objects.select_for_update().get(attempt=attempt, question_id=question_id)
        if draft.opened_at is not None:
            spent = (now - draft.opened_at).total_seconds()
            draft.seconds += int(min(max(spent, 0), MAX_SECONDS_PER_VISIT))
        draft.answer = answer
        draft.guessed = guessed and answer is not None
        draft.flagged = flagged
        draft.opened_at = None
        draft.save()
    return draft


def set_flag(attempt: Attempt, question_id: int, *, flagged: bool, now: datetime | None = None) -> None:
    """Flag or unflag a question, leaving its saved answer alone; refused like an answer once the exam is
    over."""
    _check_open(attempt, now or timezone.now())
    ExamDraft.objects.filter(attempt=attempt, question_id=question_id).update(flagged=flagged)


@dataclass
class NavItem:
    position: int
    answered: bool
    flagged: bool

    @property
    def status(self) -> str:
        words = ["answered" if self.answered else "unanswered"]
        if self.flagged:
            words.append("flagged")
        return ", ".join(words)


def navigator(attempt: Attempt) -> list[NavItem]:
    """Every question's position, whether it has an answer and whether it is flagged (two queries)."""
    drafts = {q: (a, f) for q, a, f in attempt.drafts.values_list("question_id", "answer", "flagged")}
    items = []
    for position, question_id in attempt.slots.values_list("position", "question_id"):
        answer, flagged = drafts.get(question_id, (None, False))
        items.append(NavItem(position, answer is not None, flagged))
    return items


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int:
    """Whole seconds to the deadline, rounded up: a browser counting down from it never reaches zero (and
    reloads for the results) before the server's deadline has passed."""
    if attempt.deadline is None:
        return 0
    return max(0, math.ceil((attempt.deadline - (now or timezone.now())).total_seconds()))


# Readiness: a Wilson score interval at 80% confidence (z for a two-sided 80% interval).
Z_80 = 1.2816
READY_BOUND = 0.70
MIN_EVIDENCE = 10


def wilson_lower(right: float, total: int, z: float = Z_80) -> float:
    """The lower bound of the Wilson score interval for right out of total (0 when there is no evidence)."""
    if total == 0:
        return 0.0
    p = right / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z * z / total))


@dataclass
class TopicReadiness:
    key: str
    name: str
    right: float
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.total) if self.total else 0

    @property
    def lower(self) -> float:
        return wilson_lower(self.right, self.total)

    @property
    def lower_percent(self) -> int:
        return math.floor(100 * self.lower)

    @property
    def enough(self) -> bool:
        return self.total >= MIN_EVIDENCE

    @property
    def verdict(self) -> str:
        if not self.enough:
            return "not enough evidence yet"
        return "ready" if self.lower >= READY_BOUND else "not ready yet"


@dataclass
class Readiness:
    topics: list[TopicReadiness]
    questions: int
    exams: int

    @property
    def ready(self) -> bool:
        return bool(self.topics) and all(t.enough and t.lower >= READY_BOUND for t in self.topics)

    def of_kind(self, kind: str) -> list[TopicReadiness]:
        return [t for t in self.topics if t.key.startswith(f"{kind}:")]

    @property
    def by_task(self) -> list[TopicReadiness]:
        return self.of_kind("task")

    @property
    def by_layer(self) -> list[TopicReadiness]:
        return self.of_kind("layer")

    @property
    def by_category(self) -> list[TopicReadiness]:
        return self.of_kind("category")


def readiness(learner: Learner) -> Readiness:
    """Accuracy per exam task, layer and service category over the learner's finished exams, counting only
    questions seen there for the first time (a question met before tests memory, not readiness). An
    unanswered question counts as wrong. A fixed number of queries."""
    from django.db.models import Min

    from .models import AttemptQuestion, Response

    first_answer = dict(
        Response.objects.filter(attempt__learner=learner)
        .values("question_id")
        .annotate(first=Min("answered_at"))
        .values_list("question_id", "first")
    )
    slots = list(
        AttemptQuestion.objects.filter(
            attempt__learner=learner, attempt__mode=Mode.EXAM, attempt__finished_at__isnull=False
        )
        .order_by("attempt__started_at", "position")
        .values_list("attempt_id", "attempt__started_at", "question_id")
    )
    scores = {
        (a, q): s
        for a, q, s in Response.objects.filter(
            attempt__learner=learner, attempt__mode=Mode.EXAM, attempt__finished_at__isnull=False
        ).values_list("attempt_id", "question_id", "score")
    }
    seen: set[int] = set()
    counted: list[tuple[int, float]] = []
    exams: set = set()
    for attempt_id, started_at, question_id in slots:
        exams.add(attempt_id)
        first = first_answer.get(question_id)
        if question_id in seen or (first is not None and first < started_at):
            continue
        seen.add(question_id)
        counted.append((question_id, scores.get((attempt_id, question_id), 0.0)))
    found = tags.tag([q for q, _ in counted])
    names = tags.names_of(found)
    topics: dict[str, TopicReadiness] = {}
    for question_id, score in counted:
        for key in found[question_id].groups():
            t = topics.setdefault(key, TopicReadiness(key, tags.group_name(key, names), 0, 0))
            t.right += score
            t.total += 1
    order = {"task": 0, "layer": 1, "category": 2}
    ranked = sorted(topics.values(), key=lambda t: (order[t.key.split(":")[0]], t.lower, t.name))
    return Readiness(topics=ranked, questions=len(counted), exams=len(exams))


@dataclass
class Item:
    slot: object
    feedback: object
    seconds: int
    flagged: bool


@dataclass
class Results:
    summary: object
    items: list[Item]
    weakest: tuple[str, str] | None
    missed: int

    @property
    def seconds(self) -> int:
        return sum(i.seconds for i in self.items)


def results(attempt: Attempt) -> Results:
    """Every question with its feedback (an unanswered one against today's key) and time spent, and the
    weakest service or category of this exam for "practise my weakest topic". Fixed queries."""
    from . import feedback
    from .attempts import summarise
    from .models import Response

    lookups = kinds.Lookups()
    summary = summarise(attempt, lookups)
    drafts = {d.question_id: d for d in attempt.drafts.all()}
    items = []
    for slot in summary.slots:
        if slot.skipped:
            continue
        if slot.response is not None:
            shown = feedback.for_response(slot.response, slot.question, lookups)
        else:
            today = kinds.snapshot(slot.question, lookups)
            blank = Response(answer={}, correct=False, score=0, snapshot=today)
            shown = feedback.build(blank, today=today, learn_more=feedback.learn_more(slot.question, lookups))
        draft = drafts.get(slot.question.pk)
        items.append(Item(slot, shown, draft.seconds if draft else 0, bool(draft and draft.flagged)))
    return Results(summary, items, weakest_topic(summary), len(summary.missed))


def weakest_topic(summary) -> tuple[str, str] | None:
    """(quiz topic, name) of the exam task, service or category with the lowest score in this exam, if any
    was missed."""
    found = tags.tag([s.question.pk for s in summary.slots])
    totals: dict[tuple[str, str], list[float]] = {}
    for slot in summary.slots:
        if slot.skipped:
            continue
        earned = slot.response.score if slot.response else 0.0
        t = found[slot.question.pk]
        for slug, name in t.services:
            totals.setdefault((f"service:{slug}", name), []).append(earned)
        for slug, name in t.categories:
            totals.setdefault((f"category:{slug}", name), []).append(earned)
        for task in t.tasks:
            totals.setdefault((f"task:{task}", tags.TASK_NAMES.get(task, task)), []).append(earned)
    scored = [(sum(v) / len(v), -len(v), key) for key, v in totals.items() if sum(v) < len(v)]
    return min(scored)[2] if scored else None
