"""Lesson progress of a learner (anonymous or account; see learners.current).

Callable from a view, a management command or a scheduler: functions take a learner, never a
request, and raise domain errors (`learners.current.LearnerGone`), never HTTP ones.
"""

from django.db import transaction

from learners.current import writable_learner
from learners.models import Learner

from .models import Lesson, LessonProgress


def completed_lesson_ids(learner: Learner | None) -> set[int]:
    if learner is None:
        return set()
    return set(LessonProgress.objects.filter(learner=learner).values_list("lesson_id", flat=True))


def mark_done(learner: Learner, lesson: Lesson) -> LessonProgress:
    """Record the lesson as done; repeating it (double click, refresh, two tabs) changes nothing.

    Raises LearnerGone if the learner's records were deleted meanwhile.
    """
    with transaction.atomic():
        owner = writable_learner(learner)
        progress, _ = LessonProgress.objects.get_or_create(learner=owner, lesson=lesson)
    return progress
