from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from learners.current import current_learner
from lessons import progress
from lessons.models import Lesson
from quizzes.models import Attempt


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    learner = current_learner(request)
    resume = {}
    if learner is not None:
        # A returning learner: the first lesson not done yet, and the quiz left half way, if any.
        done = progress.completed_lesson_ids(learner)
        lessons = list(Lesson.objects.path().only("slug", "title", "order"))
        resume = {
            "done_count": len(done & {x.pk for x in lessons}),
            "lesson_count": len(lessons),
            "next_lesson": next((x for x in lessons if x.pk not in done), None),
            "open_quiz": Attempt.objects.for_learner(learner)
            .filter(finished_at__isnull=True)
            .order_by("-started_at")
            .first(),
        }
    return render(request, "home.html", {"resume": resume})
