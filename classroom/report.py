"""The host's report: per question the distribution, facility and discrimination, the misconceptions the
room revealed, and per-nickname scores. Item analysis as Moodle computes it, on the class's one attempt each."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from . import engine
from .models import Answer, ClassSession
from .state import distribution

MIN_FOR_DISCRIMINATION = 10


@dataclass
class ItemRow:
    position: int
    prompt: str
    key_label: str
    answered: int
    right: int
    facility: float | None
    discrimination: float | None
    dist: dict
    explanation: str

    @property
    def facility_percent(self) -> int | None:
        return None if self.facility is None else round(100 * self.facility)


@dataclass
class LearnerRow:
    nickname: str
    answered: int
    right: int
    points: int
    rank: int = 0


@dataclass
class Report:
    session: ClassSession
    participants: int
    items: list[ItemRow] = field(default_factory=list)
    learners: list[LearnerRow] = field(default_factory=list)
    myths: list[dict] = field(default_factory=list)
    discrimination_shown: bool = False


def correlation(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r; None when either side does not vary (every learner got it right, say)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def build(session: ClassSession) -> Report:
    """Everything the report shows in four queries. Participants are the seats not removed that answered at
    least once; a question they did not answer counts as wrong (Moodle counts an unanswered item as 0)."""
    items = list(session.items.all())
    answers = list(
        Answer.objects.filter(item__session=session, seat__removed=False).values(
            "seat_id", "seat__nickname", "item_id", "choice", "correct", "points"
        )
    )
    marks: dict[int, dict[int, int]] = defaultdict(dict)
    names: dict[int, str] = {}
    counts: dict[int, Counter] = defaultdict(Counter)
    points: Counter = Counter()
    for a in answers:
        marks[a["seat_id"]][a["item_id"]] = 1 if a["correct"] else 0
        names[a["seat_id"]] = a["seat__nickname"]
        counts[a["item_id"]][a["choice"]] += 1
        points[a["seat_id"]] += a["points"]
    seats = sorted(marks)
    totals = {s: sum(marks[s].values()) for s in seats}
    show_d = len(seats) >= MIN_FOR_DISCRIMINATION
    result = Report(session=session, participants=len(seats), discrimination_shown=show_d)
    myth_totals: dict[str, dict] = {}
    for item in items:
        xs = [marks[s].get(item.pk, 0) for s in seats]
        rest = [totals[s] - x for s, x in zip(seats, xs, strict=True)]
        dist = distribution(item, counts=counts[item.pk])
        result.items.append(
            ItemRow(
                position=item.position,
                prompt=item.snapshot["prompt"],
                key_label=dist["key_label"],
                answered=dist["answered"],
                right=sum(xs),
                facility=sum(xs) / len(xs) if xs else None,
                discrimination=correlation(xs, rest) if show_d else None,
                dist=dist,
                explanation=item.snapshot["explanation"],
            )
        )
        for myth in dist["myths"]:
            if myth["count"]:
                entry = myth_totals.setdefault(
                    myth["myth"],
                    {"myth": myth["myth"], "correction": myth["correction"], "count": 0, "questions": []},
                )
                entry["count"] += myth["count"]
                entry["questions"].append(item.position)
    result.myths = sorted(myth_totals.values(), key=lambda m: -m["count"])
    learners = [LearnerRow(names[s], len(marks[s]), totals[s], points[s]) for s in seats]
    learners.sort(key=lambda r: (-r.points, r.nickname.casefold()))
    previous, rank = None, 0
    for index, row in enumerate(learners, start=1):
        if row.points != previous:
            rank, previous = index, row.points
        row.rank = rank
    result.learners = learners
    return result


RESPONSE_HEADER = ["nickname", "question", "prompt", "answer", "correct", "points", "answered_at"]
QUESTION_HEADER = ["question", "prompt", "right_answer", "answered", "right", "facility", "discrimination"]


def response_rows(session: ClassSession):
    rows = (
        Answer.objects.filter(item__session=session)
        .select_related("seat", "item")
        .order_by("item__position", "seat__nickname_key")
    )
    for a in rows:
        yield [
            a.seat.nickname + (" (removed)" if a.seat.removed else ""),
            a.item.position,
            a.item.snapshot["prompt"],
            engine.answer_label(a.item.snapshot, a.choice),
            "yes" if a.correct else "no",
            a.points,
            a.answered_at.isoformat(),
        ]


def question_rows(built: Report):
    for row in built.items:
        yield [
            row.position,
            row.prompt,
            row.key_label,
            row.answered,
            row.right,
            "" if row.facility is None else f"{row.facility:.2f}",
            "" if row.discrimination is None else f"{row.discrimination:.2f}",
        ]


def csv_safe(row: list) -> list:
    """Nicknames are typed by learners: a leading = + - @ would run as a formula in a spreadsheet."""
    return ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in row]
