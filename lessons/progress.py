"""Lesson progress for the current learner (anonymous or account; see learners.current)."""

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from learners.current import current_learner

from .models import Lesson, LessonProgress


def completed_lesson_ids(request: HttpRequest) -> set[int]:
    learner = current_learner(request)
    if learner is None:
        return set()
    return set(LessonProgress.objects.filter(learner=learner).values_list("lesson_id", flat=True))


def mark_done(request: HttpRequest, lesson: Lesson) -> None:
    """Record the lesson as done; repeating it (double click, refresh) changes nothing."""
    learner = current_learner(request, create=True)
    try:
        with transaction.atomic():
            LessonProgress.objects.get_or_create(learner=learner, lesson=lesson)
    except IntegrityError:
        pass  # a simultaneous identical request recorded it first
