"""The live loop: creating a class, joining and rejoining, the host's pacing, and answering once."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from learners.models import Learner
from quizzes.models import Question

from . import engine, state
from .models import Answer, ClassSession, Phase, Scoring, Seat, SessionQuestion

NICKNAME_MAX = 20
NICKNAME_ALLOWED = re.compile(r"^[\w .'\-]+$")
# No 0/O, 1/I/L: a rejoin code is read off one screen and typed on another.
REJOIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REJOIN_LENGTH = 5
SPEED_WINDOW = 30  # seconds over which the speed bonus falls when there is no timer


class Refused(Exception):
    """An action the rules do not allow; the message tells the learner or host why, and nothing changed."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class AlreadyAnswered(Refused):
    def __init__(self, answer: Answer):
        self.answer = answer
        super().__init__("You already answered this question; your first answer counts.")


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def create_session(
    host,
    *,
    title: str,
    topic: str,
    chosen: list[Question],
    seconds_per_question: int = 0,
    scoring: str = Scoring.ACCURACY,
    leaderboard: str = "off",
    auto_close: bool = True,
) -> ClassSession:
    """A new class in the lobby, its questions frozen as snapshots, with a code no open class uses."""
    if not chosen:
        raise Refused("There are no questions for that choice. Choose another topic or more questions.")
    frozen = engine.snapshots(chosen)
    for _ in range(20):
        try:
            with transaction.atomic():
                session = ClassSession.objects.create(
                    host=host,
                    code=_new_code(),
                    title=title,
                    topic=topic,
                    seconds_per_question=seconds_per_question,
                    scoring=scoring,
                    leaderboard=leaderboard,
                    auto_close=auto_close,
                )
                SessionQuestion.objects.bulk_create(
                    SessionQuestion(session=session, position=i, question=q, snapshot=snap)
                    for i, (q, snap) in enumerate(zip(chosen, frozen, strict=True), start=1)
                )
                return session
        except IntegrityError:
            continue  # the code is taken by an open class: draw another
    raise RuntimeError("No free class code after 20 draws.")


def find_open(code: str) -> ClassSession | None:
    code = (code or "").strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        return None
    return ClassSession.objects.open().filter(code=code).first()


def clean_nickname(raw: str) -> str:
    """The nickname as shown: normalised, single-spaced, 1 to 20 characters of letters, digits, - _ . '."""
    name = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    if not name:
        raise ValidationError("Choose a nickname.")
    if len(name) > NICKNAME_MAX:
        raise ValidationError(f"Use at most {NICKNAME_MAX} characters.")
    if not NICKNAME_ALLOWED.fullmatch(name):
        raise ValidationError("Use letters, numbers, spaces and - _ . ' only.")
    return name


def nickname_key(name: str) -> str:
    return name.casefold()[:NICKNAME_MAX]


def join(session: ClassSession, nickname: str, *, learner: Learner | None = None) -> Seat:
    """A new seat. The nickname must be free in this class (a removed one stays taken)."""
    if session.phase == Phase.ENDED:
        raise Refused("This class has ended.")
    name = clean_nickname(nickname)
    for _ in range(10):
        code = "".join(secrets.choice(REJOIN_ALPHABET) for _ in range(REJOIN_LENGTH))
        try:
            with transaction.atomic():
                return Seat.objects.create(
                    session=session,
                    nickname=name,
                    nickname_key=nickname_key(name),
                    rejoin_code=code,
                    learner=learner,
                )
        except IntegrityError:
            if Seat.objects.filter(session=session, nickname_key=nickname_key(name)).exists():
                raise ValidationError("That nickname is taken in this class. Choose another.") from None
    raise RuntimeError("No free rejoin code after 10 draws.")


def rejoin(session: ClassSession, rejoin_code: str) -> Seat | None:
    code = (rejoin_code or "").strip().upper()
    return Seat.objects.filter(session=session, rejoin_code=code, removed=False).first()


# The host's moves: which actions each phase allows.
ACTIONS = {
    "start": {Phase.LOBBY},
    "close": {Phase.OPEN},
    "reveal": {Phase.OPEN, Phase.CLOSED},
    "next": {Phase.CLOSED, Phase.REVEALED},
    "end": {Phase.LOBBY, Phase.OPEN, Phase.CLOSED, Phase.REVEALED},
}


def allowed_actions(session: ClassSession, total: int) -> set[str]:
    allowed = {action for action, phases in ACTIONS.items() if session.phase in phases}
    if session.position >= total:
        allowed.discard("next")
    return allowed


# Actions that cannot skip anything: pressed on a slightly older screen of the same question (C then R in quick
# succession, or an answer count that moved), they still apply; "start" and "next" need the exact version.
SAME_QUESTION_ACTIONS = {"close", "reveal", "end"}


def advance(session: ClassSession, action: str, *, version: int, position: int | None = None) -> ClassSession:
    """Apply the host's action to the version the host saw. A repeat (double click, a second tab) finds a
    newer version and changes nothing, so "next" can never skip a question; close, reveal and end also apply
    to an older version of the same question (`position`), so pressing C then R quickly reveals."""
    with transaction.atomic():
        current, closes_at, changed = _apply(session, action, version, position)
    if changed:
        state.publish(current, closes_at=closes_at)
    return current


def _apply(session: ClassSession, action: str, version: int, position: int | None):
    current = ClassSession.objects.select_for_update().get(pk=session.pk)
    total = current.items.count()
    same_question = (
        action in SAME_QUESTION_ACTIONS and position == current.position and version < current.version
    )
    if (current.version != version and not same_question) or action not in allowed_actions(current, total):
        return current, None, False
    now = timezone.now()
    closes_at = None
    if action in ("start", "next"):
        current.position += 1
        current.phase = Phase.OPEN
        if current.seconds_per_question:
            closes_at = now + timedelta(seconds=current.seconds_per_question)
        current.items.filter(position=current.position).update(opened_at=now, closes_at=closes_at)
    elif action == "close":
        current.phase = Phase.CLOSED
    elif action == "reveal":
        current.phase = Phase.REVEALED
    elif action == "end":
        current.phase = Phase.ENDED
        current.ended_at = now
    current.version += 1
    current.save(update_fields=["phase", "position", "version", "ended_at"])
    return current, closes_at, True


def close_if_due(session_id, pulse: state.Pulse) -> None:
    """The timer ran out: close answers once, whoever notices first (a phone's poll or the host's)."""
    if not pulse.timed_out():
        return
    changed = ClassSession.objects.filter(pk=session_id, version=pulse.version, phase=Phase.OPEN).update(
        phase=Phase.CLOSED, version=pulse.version + 1
    )
    if changed:
        state.publish(ClassSession.objects.get(pk=session_id))
    else:
        state.forget(session_id)


# Run after every answer, so one plain query that stops at the first seat still to answer: early in a question
# that is the first seat it looks at, and only the answer that completes the room reads every seat. (Counting
# every unanswered seat read all N seats for each of N answers.)
_ROOM_ANSWERED_SQL = f"""
    SELECT
      EXISTS (SELECT 1 FROM {Seat._meta.db_table} s WHERE s.session_id = %s AND NOT s.removed),
      NOT EXISTS (
        SELECT 1 FROM {Seat._meta.db_table} s
        WHERE s.session_id = %s AND NOT s.removed
          AND NOT EXISTS (SELECT 1 FROM {Answer._meta.db_table} a WHERE a.seat_id = s.id AND a.item_id = %s)
      )
"""


def close_if_all_answered(session_id, graded: state.Grading) -> bool:
    """With auto-close on, close the open question once every seat still in the class has answered it. Run
    after each answer and each removal; whichever request sees the last answer closes it, once."""
    if not graded.auto_close:
        return False
    with connection.cursor() as cursor:
        db_id = ClassSession._meta.pk.get_db_prep_value(session_id, connection)
        cursor.execute(_ROOM_ANSWERED_SQL, [db_id, db_id, graded.item_id])
        seated, all_answered = cursor.fetchone()
    if not (seated and all_answered):
        return False
    changed = ClassSession.objects.filter(pk=session_id, phase=Phase.OPEN, position=graded.position).update(
        phase=Phase.CLOSED, version=F("version") + 1
    )
    if changed:
        state.publish(ClassSession.objects.get(pk=session_id))
    return bool(changed)


def remove_seat(session: ClassSession, seat_id: int) -> Seat | None:
    """The host removes a nickname: the seat can no longer answer, and its name stays taken."""
    with transaction.atomic():
        seat = Seat.objects.filter(session=session, pk=seat_id, removed=False).first()
        if seat is None:
            return None
        seat.removed = True
        seat.save(update_fields=["removed"])
        locked = ClassSession.objects.select_for_update().get(pk=session.pk)
        locked.version += 1  # every screen re-renders: the removed seat learns it, standings drop it
        locked.save(update_fields=["version"])
        item = locked.items.filter(position=locked.position).first() if locked.position else None
    state.publish(locked, closes_at=item.closes_at if item else None)
    graded = state.grading(locked.pk, item.position) if locked.phase == Phase.OPEN and item else None
    if graded is not None:  # the one still missing may have been the removed seat
        close_if_all_answered(locked.pk, graded)
    return seat


def points_for(graded: state.Grading, *, right: bool, at) -> int:
    if not right:
        return 0
    if graded.scoring == Scoring.ACCURACY:
        return 1
    window = graded.seconds_per_question or SPEED_WINDOW
    elapsed = (at - graded.opened_at).total_seconds() if graded.opened_at else window
    return 500 + round(500 * max(0.0, 1 - elapsed / window))


# The answer, recorded only if the seat is still in the class and its question still open (and its timer not
# run out), in one statement, and a double tap inserts nothing (the unique seat-and-question constraint). The
# statement does not lock the class row: on PostgreSQL an answer whose statement began just before the host's
# close can commit just after it. Such an answer counts as on time (it was, by one statement), its phone and the
# distribution read it live, and nothing is lost or counted twice.
_INSERT_SQL = f"""
    INSERT INTO {Answer._meta.db_table} (seat_id, item_id, choice, correct, points, answered_at)
    SELECT s.id, i.id, %s, %s, %s, %s
    FROM {Seat._meta.db_table} s, {ClassSession._meta.db_table} c, {SessionQuestion._meta.db_table} i
    WHERE s.id = %s AND NOT s.removed AND c.id = s.session_id AND c.id = %s AND c.phase = %s
      AND c.position = %s AND i.session_id = c.id AND i.position = c.position
      AND (i.closes_at IS NULL OR i.closes_at > %s)
    ON CONFLICT (seat_id, item_id) DO NOTHING
    RETURNING id
"""


def submit_answer(seat: Seat, *, position: int, choice: str | list[str]) -> Answer:
    """Record a seat's answer to the open question, once: one option, or several for a multiple-answer
    question. Anything else is refused and changes nothing.

    Only the seat's id, class and learner are read from `seat` (the view passes what the seat cookie and the
    cached seat card say); whether it may answer is decided by the database in the insert itself. On the
    usual path that insert and the auto-close check are the only queries."""
    graded = state.grading(seat.session_id, position)
    values = sorted({v for v in ([choice] if isinstance(choice, str) else choice) if v})
    problem = _choice_problem(graded.snapshot, values) if graded else "Answers for that question are closed."
    answer = None if problem else _insert(seat, graded, values)
    if answer is None:
        _refuse(seat, position, problem)
    if seat.learner_id is not None:  # a signed-in learner: their own history too (the full ORM path)
        engine.record_for_learner(
            Seat.objects.select_related("session", "attempt").get(pk=seat.pk),
            SessionQuestion.objects.select_related("question").get(pk=graded.item_id),
            answer.choice,
        )
    close_if_all_answered(seat.session_id, graded)
    return answer


def _choice_problem(snapshot: dict, values: list[str]) -> str:
    if not values:
        return "Choose an answer."
    if not set(values) <= {value for value, _label in snapshot["choices"]}:
        return "Choose one of the answers shown."
    if len(values) > 1 and not snapshot.get("many"):
        return "Choose one answer."
    return ""


def _insert(seat: Seat, graded: state.Grading, values: list[str]) -> Answer | None:
    now = timezone.now()
    choice = engine.stored(graded.snapshot, values)
    right = engine.is_right(graded.snapshot, choice)
    points = points_for(graded, right=right, at=now)
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        session_id = ClassSession._meta.pk.get_db_prep_value(seat.session_id, connection)
        cursor.execute(
            _INSERT_SQL, [choice, right, points, at, seat.pk, session_id, Phase.OPEN, graded.position, at]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    answer = Answer(
        pk=row[0], seat_id=seat.pk, item_id=graded.item_id, choice=choice, correct=right, points=points
    )
    answer.answered_at = now
    answer._state.adding, answer._state.db = False, connection.alias
    return answer


def _refuse(seat: Seat, position: int, problem: str):
    """Why an answer was not recorded, read afresh from the database (the rare path): always raises."""
    found = Seat.objects.select_related("session").filter(pk=seat.pk, session_id=seat.session_id).first()
    if found is None:
        raise Refused("You have not joined this class on this device: join or rejoin first.")
    session = found.session
    if found.removed:
        raise Refused("The host removed your nickname from this class, so your answers are not recorded.")
    if session.phase == Phase.ENDED:
        raise Refused("This class has ended; answers are no longer recorded.")
    first = Answer.objects.filter(seat=found, item__session_id=session.pk, item__position=position).first()
    if session.phase != Phase.OPEN or session.position != position:
        if first is not None:  # a double tap that arrives after the question closed (auto-close, say)
            raise AlreadyAnswered(first)
        raise Refused("Answers for that question are closed.")
    closes_at = session.items.filter(position=position).values_list("closes_at", flat=True).first()
    if closes_at and timezone.now() >= closes_at:
        raise Refused("Time is up: answers for that question are closed.")
    if problem:
        raise Refused(problem)
    if first is not None:
        raise AlreadyAnswered(first)
    raise Refused("Answers for that question are closed.")  # closed between the insert and this read
