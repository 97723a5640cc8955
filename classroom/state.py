"""What every screen of a class shows, cached so polling phones rarely reach the database.

A `Pulse` is the session's version, phase and timer, cached under one small key and refreshed by every
change. A poll carries the version it shows: while it is current the answer is 204 (htmx swaps nothing),
so 1,000 phones cost one cache read each per poll. `room()` is everything the screens share at one version
(question, distribution, standings), built once per version.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from . import engine
from .models import Answer, ClassSession, Leaderboard, Phase, Seat, SessionQuestion


def _pulse_ttl() -> float:
    # A per-process cache (no Redis) cannot see another worker's update: keep it for half a second only, so
    # every worker re-reads the database at most twice a second and phones (polling every second) see a
    # change made through another worker within 2 s. A shared cache keeps it a little longer; not
    # for the whole session, so a pulse written late by a slower request heals itself in seconds.
    local = "locmem" in settings.CACHES["default"]["BACKEND"].lower()
    return 0.5 if local else 10


@dataclass(frozen=True)
class Pulse:
    version: int
    phase: str
    position: int
    closes_at: float | None

    def timed_out(self) -> bool:
        return (
            self.phase == Phase.OPEN
            and self.closes_at is not None
            and timezone.now().timestamp() >= self.closes_at
        )


def pulse_key(session_id) -> str:
    return f"classroom:{session_id}:pulse"


# With Redis, every cache read builds a redis-py client and makes a round trip (about 0.5 ms of CPU), and a
# class of 1,000 phones polls 1,000 times a second. Each process therefore keeps what it read for a quarter
# of a second: a change reaches a phone at most 0.25 s later. Without Redis the local cache is as cheap.
MEMO_SECONDS = 0.25
_memo: dict[str, tuple[float, object]] = {}


def _shared_cache() -> bool:
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


def _remember(key: str, value) -> None:
    if len(_memo) > 5000:
        _memo.clear()
    _memo[key] = (time.monotonic(), value)


def cached_pulse(session_id) -> Pulse | None:
    """The cached pulse, through this process's quarter-second memo when the cache is shared (Redis)."""
    key = pulse_key(session_id)
    if not _shared_cache():
        return cache.get(key)
    hit = _memo.get(key)
    if hit is not None and time.monotonic() - hit[0] < MEMO_SECONDS:
        return hit[1]
    found = cache.get(key)
    if found is not None:
        _remember(key, found)
    return found


def publish(session: ClassSession, *, closes_at=None) -> Pulse:
    pulse = Pulse(
        session.version, session.phase, session.position, closes_at.timestamp() if closes_at else None
    )
    key = pulse_key(session.pk)
    cached = cache.get(key)
    if cached is not None and cached.version > pulse.version:
        return cached  # a newer change was published first: never step the screens back
    cache.set(key, pulse, _pulse_ttl())
    _memo.pop(key, None)
    return pulse


def pulse(session_id) -> Pulse | None:
    """The session's current version, from the cache or, on a miss, the database."""
    found = cached_pulse(session_id)
    if found is not None:
        return found
    session = ClassSession.objects.filter(pk=session_id).only("version", "phase", "position").first()
    if session is None:
        return None
    item = (
        session.items.filter(position=session.position).only("closes_at").first()
        if session.position
        else None
    )
    return publish(session, closes_at=item.closes_at if item else None)


def still_shown(pulse: Pulse, shown: str, answered: str = "") -> bool:
    """Whether a phone showing version `shown` (and, if it has answered, the question `answered`) already
    shows what the pulse says: then the poll is answered 204. A phone that answered shows the same card
    while answers close, so closing the question costs no fetch; the reveal does."""
    if pulse.timed_out():
        return False
    if str(pulse.version) == shown:
        return True
    return bool(answered) and pulse.phase == Phase.CLOSED and str(pulse.position) == answered


def forget(session_id) -> None:
    cache.delete(pulse_key(session_id))
    _memo.pop(pulse_key(session_id), None)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def standings(session: ClassSession) -> list[dict]:
    """Every remaining seat with points, right answers and rank (ties share a rank), best first."""
    rows = (
        Seat.objects.filter(session=session, removed=False)
        .annotate(
            total=Sum("answers__points", default=0), right=Count("answers", filter=Q(answers__correct=True))
        )
        .values("pk", "nickname", "total", "right")
    )
    ordered = sorted(rows, key=lambda r: (-r["total"], r["nickname"].casefold()))
    result, rank, previous = [], 0, None
    for index, row in enumerate(ordered, start=1):
        if row["total"] != previous:
            rank, previous = index, row["total"]
        result.append(
            {
                "seat": row["pk"],
                "nickname": row["nickname"],
                "points": row["total"],
                "right": row["right"],
                "rank": rank,
            }
        )
    return result


def distribution(item, *, counts: Counter | None = None) -> dict:
    """Per option: how many chose it and their share of those who answered, the right ones marked, and the
    misconception a wrong one matches with how many chose it. With several answers each (multiple-answer
    questions) an option's share is of the learners who answered, so the shares add up to more than 100%."""
    snap = item.snapshot
    if counts is None:
        counts = Counter(dict(item.answers.values_list("choice").annotate(n=Count("pk")).order_by()))
    answered = sum(counts.values())
    per_option: Counter = Counter()
    for answer, n in counts.items():
        for value in engine.chosen(snap, answer):
            per_option[value] += n
    right_values = set(engine.keys(snap))
    bars, myths = [], []
    for letter, (value, label) in zip(LETTERS, snap["choices"], strict=False):
        n = per_option.get(value, 0)
        right = value in right_values
        myth = snap["misconceptions"].get(value)
        bars.append(
            {"letter": letter, "label": label, "count": n, "percent": _percent(n, answered), "right": right}
        )
        if myth:
            myths.append(
                {**myth, "count": n, "percent": _percent(n, answered), "label": label, "value": value}
            )
    key_label = "; ".join(label for value, label in snap["choices"] if value in right_values)
    return {
        "bars": bars,
        "answered": answered,
        "myths": myths,
        "key_label": key_label,
        "many": bool(snap.get("many")),
    }


LETTERS = "ABCDEFGHIJ"


def cached_room(session_id, version: int) -> dict | None:
    """The room at this version if this process or the cache has it (no database)."""
    key = f"classroom:{session_id}:room:{version}"
    hit = _memo.get(key)  # a room never changes once built for its version: keep it in the process too
    if hit is not None:
        return hit[1]
    found = cache.get(key)
    if found is not None:
        _remember(key, found)
    return found


def room(session_id, version: int) -> dict | None:
    """Everything the learners' screens share at this version, built once and cached."""
    found = cached_room(session_id, version)
    if found is not None:
        return found
    key = f"classroom:{session_id}:room:{version}"
    session = ClassSession.objects.filter(pk=session_id).first()
    if session is None:
        return None
    total = session.items.count()
    data = {
        "version": session.version,
        "phase": session.phase,
        "position": session.position,
        "total": total,
        "title": session.title,
        "code": session.code,
        "leaderboard": session.leaderboard,
        "scoring": session.scoring,
        "item": None,
        "reveal": None,
        "standings": {},
        "top": [],
        "closes_at": None,
        "seconds": session.seconds_per_question,
        # Removing a seat bumps the version, so each version knows which seats are out.
        "removed": set(session.seats.filter(removed=True).values_list("pk", flat=True)),
    }
    item = session.items.filter(position=session.position).first() if session.position else None
    if item is not None and session.phase != Phase.ENDED:
        snap = item.snapshot
        data["item"] = {
            "id": item.pk,
            "position": item.position,
            "prompt": snap["prompt"],
            "context": snap["context"],
            "many": bool(snap.get("many")),
            "instructions": snap.get("instructions", ""),
            "choices": [
                {"letter": letter, "value": v, "label": label}
                for letter, (v, label) in zip(LETTERS, snap["choices"], strict=False)
            ],
        }
        data["closes_at"] = item.closes_at.timestamp() if item.closes_at else None
        if session.phase == Phase.REVEALED:
            data["reveal"] = {
                **distribution(item),
                "explanation": snap["explanation"],
                "sources": snap["sources"],
                "learn_more": snap["learn_more"],
            }
    if session.phase in (Phase.REVEALED, Phase.ENDED):
        table = standings(session)
        data["standings"] = {row["seat"]: row for row in table}
        if session.leaderboard == Leaderboard.TOP5:
            data["top"] = [row for row in table if row["rank"] <= 5][:5]
        elif session.leaderboard == Leaderboard.FULL:
            data["top"] = table
    if session.version == version:
        cache.set(key, data, 6 * 60 * 60)
        _remember(key, data)
    return data


def seat_card(session_id, seat_id: int, room: dict | None) -> dict | None:
    """What a phone shows about its own seat, or None when there is no such seat or class (`room` is None once
    the class is deleted, while its pulse may outlive it in the cache). Nickname, rejoin code and learner (set at
    joining) never change, so they are cached for good (per process is enough); whether the seat was removed
    comes from the room at this version."""
    if room is None:
        return None
    found = known_seat(session_id, seat_id)
    if found is None:
        found = (
            Seat.objects.filter(pk=seat_id, session_id=session_id)
            .values("pk", "nickname", "rejoin_code", "learner_id")
            .first()
        )
        if found is None:
            return None
        _remember(_seat_key(session_id, seat_id), found)
    return {**found, "removed": found["pk"] in room["removed"]}


def _seat_key(session_id, seat_id: int) -> str:
    return f"classroom:{session_id}:seat:{seat_id}"  # SQLite may reuse a deleted seat's id, never a class's


def known_seat(session_id, seat_id: int) -> dict | None:
    """The seat's nickname, rejoin code and learner if this process has read them (no database)."""
    hit = _memo.get(_seat_key(session_id, seat_id))
    return hit[1] if hit is not None else None


@dataclass(frozen=True)
class Grading:
    """What grading an answer needs and never changes once the question is open: the frozen snapshot (with
    its key: never part of `room`, which the learners' templates see), when it opened, the class's rules."""

    item_id: int
    position: int
    question_id: int | None
    snapshot: dict
    opened_at: object
    scoring: str
    seconds_per_question: int
    auto_close: bool


def grading(session_id, position: int) -> Grading | None:
    """The open (or once opened) question at `position`, read once per process; None if it never opened."""
    key = f"classroom:{session_id}:grading:{position}"
    hit = _memo.get(key)
    if hit is not None:
        return hit[1]
    item = (
        SessionQuestion.objects.select_related("session")
        .only(
            "snapshot",
            "position",
            "opened_at",
            "question_id",
            "session__scoring",
            "session__seconds_per_question",
            "session__auto_close",
        )
        .filter(session_id=session_id, position=position, opened_at__isnull=False)
        .first()
    )
    if item is None:
        return None
    found = Grading(
        item.pk,
        item.position,
        item.question_id,
        item.snapshot,
        item.opened_at,
        item.session.scoring,
        item.session.seconds_per_question,
        item.session.auto_close,
    )
    _remember(key, found)
    return found


_MINE_SQL = f"SELECT choice, correct FROM {Answer._meta.db_table} WHERE seat_id = %s AND item_id = %s"


def answer_of(seat_id: int, item_id: int) -> tuple[str, bool] | None:
    """The seat's answer to a question (choice, correct), or None: read after every change by every phone, so
    one plain indexed query (the ORM's building of it cost more than the database's answer)."""
    with connection.cursor() as cursor:
        cursor.execute(_MINE_SQL, [seat_id, item_id])
        row = cursor.fetchone()
    return (row[0], bool(row[1])) if row else None


def answered_count(item) -> int:
    return Answer.objects.filter(item=item).count()
