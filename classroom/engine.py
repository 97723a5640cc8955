"""The one place the classroom talks to the quiz engine: drawing, presenting, keys, feedback, recording.

Everything else in `classroom` reads the snapshots built here, so when the quiz engine's API changes only
this module changes.
"""

from __future__ import annotations

import contextlib

from django.db import transaction

from learners.models import Learner
from quizzes import engine as quiz
from quizzes import feedback, kinds, topics
from quizzes.engine import AlreadyAnswered, record_answer
from quizzes.models import Attempt, Kind, Question

# The kinds whose answer is one or several options of one list, so a room's answers make one distribution:
# a bar per option. Matrix and sort questions (an owner per row) stay in the practice quiz.
CLASSROOM_KINDS = (Kind.OWNER, Kind.MYTH_FACT, Kind.SINGLE, Kind.MULTIPLE, Kind.CONTROL)
KINDS_NOTE = (
    "A class uses who-is-responsible, myth-or-fact, control-type and multiple-choice questions (one answer"
    " or several); matrix and sort questions stay in the practice quizzes."
)
CLASSROOM_TOPIC = "classroom"


def topic_choices() -> list[tuple[str, str]]:
    return topics.topic_choices()


def topic_label(topic: str) -> str:
    return topics.topic_label(topic)


def draw(topic: str, length: int) -> list[Question]:
    """Up to `length` questions of the classroom's kinds on the topic, at random, without repeats."""
    pool = quiz.draw(topic, 10_000)
    return [q for q in pool if q.kind in CLASSROOM_KINDS][:length]


def questions_by_slug(slugs: list[str]) -> list[Question]:
    """Hand-picked questions, in the order given; unknown, retired, matrix and sort slugs are left out."""
    found = {q.slug: q for q in Question.objects.live().filter(slug__in=slugs, kind__in=CLASSROOM_KINDS)}
    return [found[s] for s in dict.fromkeys(slugs) if s in found]


def snapshots(chosen: list[Question]) -> list[dict]:
    """What each question shows, its key and its feedback, frozen now: the class is graded against this."""
    loaded = {q.pk: q for q in Question.objects.filter(pk__in=[q.pk for q in chosen])}
    kinds.load(list(loaded.values()))
    lookups = kinds.Lookups()
    result = []
    for original in chosen:
        question = loaded[original.pk]
        snapshot = kinds.snapshot(question, lookups)
        more = feedback.learn_more(question, lookups)
        right = snapshot["key"]["choices"] if "choices" in snapshot["key"] else [snapshot["key"]["choice"]]
        result.append(
            {
                "slug": question.slug,
                "kind": question.kind,
                "prompt": snapshot["prompt"],
                "context": snapshot["context"],
                "choices": [[value, label] for value, label in snapshot["choices"]],
                "many": bool(snapshot.get("many")),
                "instructions": snapshot.get("instructions", ""),
                "key": ",".join(right),
                "keys": right,
                "explanation": snapshot["explanation"],
                "sources": list(snapshot["sources"]),
                "misconceptions": {
                    value: {"myth": t["myth"], "correction": t["correction"]}
                    for value, t in snapshot.get("traps", {}).items()
                },
                "learn_more": list(more) if more else None,
            }
        )
    return result


def keys(snapshot: dict) -> list[str]:
    """The right option values (snapshots from before multiple-answer classes have one `key`)."""
    return snapshot.get("keys") or [snapshot["key"]]


def stored(snapshot: dict, values: list[str]) -> str:
    """An answer as kept in `Answer.choice`: the value, or the sorted values joined by commas (option ids)."""
    return ",".join(sorted(values)) if snapshot.get("many") else values[0]


def chosen(snapshot: dict, choice: str) -> list[str]:
    """The option values an answer chose, from `Answer.choice`."""
    if snapshot.get("many"):
        return choice.split(",") if choice else []
    return [choice]


def is_right(snapshot: dict, choice: str) -> bool:
    """All or nothing, as the practice quiz grades: exactly the right options."""
    return sorted(chosen(snapshot, choice)) == sorted(keys(snapshot))


def answer_label(snapshot: dict, choice: str) -> str:
    labels = dict(snapshot["choices"])
    return "; ".join(labels.get(value, value) for value in chosen(snapshot, choice))


def record_for_learner(seat, item, choice: str) -> None:
    """A signed-in learner's answer also goes into their own quiz history (one attempt per class), where
    results, spaced review and mastery read responses."""
    if seat.learner_id is None or item.question_id is None:
        return
    attempt = seat.attempt or _attempt_for_seat(seat)
    if item.question.retired:
        return
    kinds.load([item.question])
    with contextlib.suppress(AlreadyAnswered):  # a retried request: the history already has it
        values = chosen(item.snapshot, choice)
        record_answer(
            attempt, item.question, {"choices": values} if item.snapshot.get("many") else {"choice": choice}
        )


@transaction.atomic
def _attempt_for_seat(seat) -> Attempt:
    from .models import Seat

    locked = Seat.objects.select_for_update(of=("self",)).select_related("attempt").get(pk=seat.pk)
    if locked.attempt is None:
        asked = [i.question for i in seat.session.items.select_related("question") if i.question_id]
        locked.attempt = quiz.start_attempt(
            locked.learner, topic=CLASSROOM_TOPIC, title=f"Live class: {seat.session.title}", questions=asked
        )
        locked.save(update_fields=["attempt"])
    seat.attempt = locked.attempt
    return locked.attempt


def start_homework(learner: Learner, *, title: str, asked: list[Question]) -> Attempt:
    """The class's questions as a self-paced quiz for one learner."""
    live = [q for q in asked if not q.retired]
    return quiz.start_attempt(learner, topic=CLASSROOM_TOPIC, title=f"Homework: {title}", questions=live)
