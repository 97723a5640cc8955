"""Spaced review with FSRS (the `fsrs` package, the scheduler Anki uses): one card per learner and question.

Every graded answer, in any mode, reaches update_card from quizzes.grading.record_answer: wrong is Again,
right is Good, right but marked "I guessed" is Hard. A card moves at most once per UTC day (reviewing before
it is due makes intervals grow too fast). Items are auto-graded and asked once a sitting, so there are no
learning steps: a card is in review from its first answer. A review sitting is an ordinary attempt in
Mode.REVIEW over the due cards, most overdue first, up to the learner's daily cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import fsrs
from django.core.cache import cache
from django.db.models import OuterRef, Subquery, Sum
from django.http import HttpRequest
from django.utils import timezone

from learners.models import Learner

from .models import Attempt, Mode, Question, Rating, Response, ReviewCard, ReviewLog, ReviewSettings

# Off in tests (quizzes/tests/conftest.py): fuzzing spreads intervals at random.
FUZZING = True
RETENTION_RANGE = (0.80, 0.95)
DEFAULT_RETENTION = 0.90
DEFAULT_DAILY_CAP = 20
MAX_DAILY_CAP = 200
REVIEW_TOPIC = "review"
REVIEW_TITLE = "Spaced review"
# The header's due count is cached this long per learner (and counted down as due cards are answered).
DUE_COUNT_SECONDS = 60


def scheduler(retention: float = DEFAULT_RETENTION) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=FUZZING
    )


def rating_for(*, correct: bool, guessed: bool) -> Rating:
    if not correct:
        return Rating.AGAIN
    return Rating.HARD if guessed else Rating.GOOD


def settings_for(learner: Learner | None) -> ReviewSettings:
    """The learner's settings, or the defaults (unsaved) for a learner who never changed them."""
    found = ReviewSettings.objects.filter(learner=learner).first() if learner else None
    return found or ReviewSettings(learner=learner, retention=DEFAULT_RETENTION, daily_cap=DEFAULT_DAILY_CAP)


def _as_fsrs(card: ReviewCard) -> fsrs.Card:
    return fsrs.Card(
        card_id=card.pk,
        state=fsrs.State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def update_card(
    learner_id: int,
    question: Question,
    *,
    correct: bool,
    guessed: bool = False,
    response: Response | None = None,
    now: datetime | None = None,
) -> ReviewCard | None:
    """Schedule the learner's card for the question after a graded answer; None when it already moved today.

    Called by record_answer inside the transaction that records the answer. The card row is made to exist
    first (INSERT ... ON CONFLICT DO NOTHING: a blank card, never seen outside this transaction) and then
    locked, so two first answers from two attempts at the same instant wait for each other instead of
    both inserting (which broke the whole answer on the unique card), and the card moves once a day.
    Four queries: the insert, the card locked with the retention target, the card's write and the log."""
    now = now or timezone.now()
    ReviewCard.objects.bulk_create(
        [ReviewCard(learner_id=learner_id, question=question, due=now, reviews=0)], ignore_conflicts=True
    )
    retention = ReviewSettings.objects.filter(learner_id=OuterRef("learner_id")).values("retention")[:1]
    card = (
        ReviewCard.objects.select_for_update(of=("self",))
        .annotate(retention=Subquery(retention))
        .get(learner_id=learner_id, question=question)
    )
    if card.last_review and card.last_review.date() == now.date():
        return None
    new = card.reviews == 0
    was_due = not new and card.due <= now
    retention = card.retention or DEFAULT_RETENTION
    rating = rating_for(correct=correct, guessed=guessed)
    before = fsrs.Card(card_id=card.pk, due=now) if new else _as_fsrs(card)
    moved, _ = scheduler(retention).review_card(before, fsrs.Rating(rating), now)
    card.state = moved.state.value
    card.step = moved.step
    card.stability = moved.stability
    card.difficulty = moved.difficulty
    card.due = moved.due
    card.last_review = moved.last_review
    card.reviews += 1
    card.save()
    ReviewLog.objects.create(card=card, rating=rating, reviewed_at=now, response=response)
    if was_due:
        # Every update leaves the card due tomorrow or later: a due card leaves the header's count.
        _count_down(learner_id)
    return card


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def served_today(learner: Learner, now: datetime | None = None) -> int:
    """Cards already put into review sittings today (UTC): what counts against the daily cap."""
    now = now or timezone.now()
    total = Attempt.objects.filter(
        learner=learner, mode=Mode.REVIEW, started_at__gte=_day_start(now)
    ).aggregate(n=Sum("total"))["n"]
    return total or 0


@dataclass
class Queue:
    due: int
    served_today: int
    daily_cap: int
    suspended: int
    cards: int
    open_sitting: Attempt | None
    next_due: datetime | None

    @property
    def left_today(self) -> int:
        return max(0, self.daily_cap - self.served_today)

    @property
    def to_serve(self) -> int:
        return min(self.due, self.left_today)


def queue(learner: Learner | None, now: datetime | None = None) -> Queue:
    """What the Review page shows: due and suspended counts, the cap, and a sitting to resume."""
    now = now or timezone.now()
    if learner is None:
        return Queue(0, 0, DEFAULT_DAILY_CAP, 0, 0, None, None)
    cards = ReviewCard.objects.for_learner(learner)
    open_sitting = (
        Attempt.objects.for_learner(learner)
        .filter(mode=Mode.REVIEW, finished_at__isnull=True, started_at__gte=_day_start(now))
        .first()
    )
    upcoming = cards.active().filter(due__gt=now).order_by("due").values_list("due", flat=True).first()
    return Queue(
        due=cards.due(now).count(),
        served_today=served_today(learner, now),
        daily_cap=settings_for(learner).daily_cap,
        suspended=cards.filter(question__retired=True).count(),
        cards=cards.count(),
        open_sitting=open_sitting,
        next_due=upcoming,
    )


class NothingDue(Exception):
    """No card is due, or today's cap is used up."""


def start_review(learner: Learner, now: datetime | None = None) -> Attempt:
    """Today's open review sitting, or a new one over the due cards (most overdue first) up to the cap."""
    from .attempts import start_attempt

    now = now or timezone.now()
    current = queue(learner, now)
    if current.open_sitting is not None:
        return current.open_sitting
    if not current.to_serve:
        raise NothingDue("Nothing to review right now.")
    cards = ReviewCard.objects.for_learner(learner).due(now).select_related("question")[: current.to_serve]
    return start_attempt(
        learner,
        topic=REVIEW_TOPIC,
        title=REVIEW_TITLE,
        questions=[c.question for c in cards],
        mode=Mode.REVIEW,
    )


def save_settings(learner: Learner, *, retention: float, daily_cap: int) -> ReviewSettings:
    """Store the learner's retention target and daily cap (the form has checked the ranges)."""
    found, _ = ReviewSettings.objects.update_or_create(
        learner=learner, defaults={"retention": retention, "daily_cap": daily_cap}
    )
    return found


def _count_key(learner_id: int) -> str:
    return f"review:due:{learner_id}"


def _count_down(learner_id: int) -> None:
    try:
        if cache.decr(_count_key(learner_id)) < 0:
            cache.delete(_count_key(learner_id))
    except ValueError:
        pass  # nothing cached: the next page counts afresh


def due_count(learner_id: int, now: datetime | None = None) -> int:
    """Due cards for the header, cached a few minutes per learner."""
    key = _count_key(learner_id)
    found = cache.get(key)
    if found is None:
        found = ReviewCard.objects.filter(learner_id=learner_id).due(now or timezone.now()).count()
        cache.set(key, found, DUE_COUNT_SECONDS)
    return found


def review_due(request: HttpRequest) -> int:
    """How many cards are due for this request's learner, read once per request: the nav and the learner
    page cache's key (srm_site/pagecache.py) must agree even if the count changes meanwhile."""
    from learners.current import SESSION_KEY

    if (found := getattr(request, "_review_due", None)) is not None:
        return found
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        key = f"review:learner-of:{user.pk}"
        learner_id = cache.get(key)
        if learner_id is None:
            learner_id = Learner.objects.filter(user=user).values_list("pk", flat=True).first() or 0
            cache.set(key, learner_id, DUE_COUNT_SECONDS)
    else:
        learner_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    request._review_due = found = due_count(learner_id) if learner_id else 0
    return found


def header_due_count(request: HttpRequest) -> dict:
    """Context processor: how many cards are due, for the nav. No query for a visitor who recorded nothing."""
    return {"review_due": partial(review_due, request)}


def interval_text(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days < 1:
        return "later today"
    if days < 2:
        return "tomorrow"
    return f"in {round(days)} days"
