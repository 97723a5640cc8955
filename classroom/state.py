"""What every screen of a class shows, cached so polling phones rarely reach the database.

A `Pulse` is the session's version, phase and timer, cached under one small key and refreshed by every
change. A poll carries the version it shows: while it is current the answer is 204 (htmx swaps nothing),
so 1,000 phones cost one cache read each per poll. `room()` is everything the screens share at one version
(question, distribution, standings), built once per version.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone

from .models import Answer, ClassSession, Leaderboard, Phase, Seat


def _pulse_ttl() -> int | None:
    # A per-process cache (no Redis) cannot see another worker's update: keep it for one second only, so
    # every worker re-reads the database at most once a second. A shared cache keeps it for the session.
    local = "locmem" in settings.CACHES["default"]["BACKEND"].lower()
    return 1 if local else 6 * 60 * 60


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


def publish(session: ClassSession, *, closes_at=None) -> Pulse:
    pulse = Pulse(
        session.version, session.phase, session.position, closes_at.timestamp() if closes_at else None
    )
    cache.set(pulse_key(session.pk), pulse, _pulse_ttl())
    return pulse


def pulse(session_id) -> Pulse | None:
    """The session's current version, from the cache or, on a miss, the database."""
    found = cache.get(pulse_key(session_id))
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


def forget(session_id) -> None:
    cache.delete(pulse_key(session_id))


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
    """Per choice: count and share of the answers, the right one marked, and the misconception a wrong one
    matches with how many chose it."""
    snap = item.snapshot
    if counts is None:
        counts = Counter(dict(item.answers.values_list("choice").annotate(n=Count("pk")).order_by()))
    answered = sum(counts.values())
    bars, myths = [], []
    for letter, (value, label) in zip(LETTERS, snap["choices"], strict=False):
        n = counts.get(value, 0)
        right = value == snap["key"]
        myth = snap["misconceptions"].get(value)
        bars.append(
            {"letter": letter, "label": label, "count": n, "percent": _percent(n, answered), "right": right}
        )
        if myth:
            myths.append({**myth, "count": n, "percent": _percent(n, answered), "label": label})
    key_label = next(label for value, label in snap["choices"] if value == snap["key"])
    return {"bars": bars, "answered": answered, "myths": myths, "key_label": key_label}


LETTERS = "ABCDEFGHIJ"


def room(session_id, version: int) -> dict | None:
    """Everything the learners' screens share at this version, built once and cached."""
    key = f"classroom:{session_id}:room:{version}"
    found = cache.get(key)
    if found is not None:
        return found
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
    }
    item = session.items.filter(position=session.position).first() if session.position else None
    if item is not None and session.phase != Phase.ENDED:
        snap = item.snapshot
        data["item"] = {
            "position": item.position,
            "prompt": snap["prompt"],
            "context": snap["context"],
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
    return data


def answered_count(item) -> int:
    return Answer.objects.filter(item=item).count()
