from functools import wraps

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from learners.current import current_learner
from lessons.models import ControlType, Lesson
from srm_site.http import HtmxHttpRequest

from . import attempts, feedback, questions
from .forms import AnswerForm, SetupForm
from .grading import AlreadyAnswered, record_answer
from .models import Attempt

QUESTION_TEMPLATE = "quizzes/question.html"


def explain_missing_attempt(view):
    """A quiz this browser cannot see gets a page that says why and how to go on, not a bare 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except attempts.AttemptNotFound:
            if request.htmx:
                return HttpResponseClientRefresh()  # htmx drops 4xx bodies: reload to show the full page
            return render(request, "quizzes/attempt_missing.html", status=404)

    return wrapper


@require_safe
def quiz_setup(request: HtmxHttpRequest) -> HttpResponse:
    form = SetupForm(request.GET if "topic" in request.GET else None)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {"topic": "everything", "length": 10}
    return render(
        request,
        "quizzes/quiz_setup.html",
        {"form": form, "chosen": chosen, "topic_label": attempts.topic_label(chosen["topic"])},
    )


@require_POST
def quiz_start(request: HtmxHttpRequest) -> HttpResponse:
    form = SetupForm(request.POST)
    if not form.is_valid():
        return render(request, "quizzes/quiz_setup.html", {"form": form, "chosen": None}, status=200)
    topic, length = form.cleaned_data["topic"], form.cleaned_data["length"]
    drawn = attempts.draw(topic, length)
    if not drawn:
        messages.error(request, "There are no questions on that topic yet. Choose another topic.")
        return redirect(f"{reverse('quizzes:quiz_setup')}?topic={topic}&length={length}")
    if len(drawn) < length:
        messages.info(request, f"This topic has {len(drawn)} questions, so this quiz has {len(drawn)}.")
    learner = current_learner(request, create=True)
    attempt = attempts.start_attempt(learner, topic=topic, title=attempts.topic_label(topic), questions=drawn)
    return redirect(attempt)


@require_safe
@explain_missing_attempt
def attempt_detail(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = attempts.attempt_for(request, attempt_id)
    position = attempts.first_open_position(attempt)
    if position is None:
        return redirect("quizzes:attempt_results", attempt.pk)
    return redirect("quizzes:attempt_question", attempt.pk, position)


def _lesson_slugs() -> set[str]:
    return set(Lesson.objects.values_list("slug", flat=True))


def _card_context(attempt: Attempt, slot, *, form=None, notice: str = "") -> dict:
    total = attempt.slots.count()
    answered = list(attempt.responses.values_list("score", flat=True))
    context = {
        "attempt": attempt,
        "slot": slot,
        "total": total,
        "answered": len(answered),
        "score": sum(answered),
        "notice": notice,
        "next_position": slot.position + 1 if slot.position < total else None,
    }
    if slot.response:
        context["feedback"] = feedback.build(slot.question, slot.response, lesson_slugs=_lesson_slugs())
    else:
        presented = questions.present(slot.question)
        form = form or AnswerForm(presented=presented)
        context["presented"] = presented
        context["form"] = form
        if not presented.fields:
            context["answer_field"] = form["choices" if presented.many else "choice"]
    return context


@require_safe
@vary_on_headers("HX-Request")
@explain_missing_attempt
def attempt_question(request: HtmxHttpRequest, attempt_id, position: int) -> HttpResponse:
    attempt = attempts.attempt_for(request, attempt_id)
    slot = attempts.slot(attempt, position)
    template = f"{QUESTION_TEMPLATE}#question-card" if request.htmx else QUESTION_TEMPLATE
    return render(request, template, _card_context(attempt, slot))


@require_POST
@explain_missing_attempt
def attempt_answer(request: HtmxHttpRequest, attempt_id, position: int) -> HttpResponse:
    attempt = attempts.attempt_for(request, attempt_id)
    slot = attempts.slot(attempt, position)
    template = f"{QUESTION_TEMPLATE}#question-card" if request.htmx else QUESTION_TEMPLATE
    if slot.response:
        # Refresh, back button or double click: the first answer stands and nothing changes.
        notice = "You already answered this question; your first answer counts."
        return render(request, template, _card_context(attempt, slot, notice=notice))
    form = AnswerForm(request.POST, presented=questions.present(slot.question))
    if not form.is_valid():
        return render(request, template, _card_context(attempt, slot, form=form))
    try:
        slot.response = record_answer(attempt, slot.question, form.answer())
    except AlreadyAnswered as exc:
        slot.response = exc.response
    if request.htmx:
        return render(request, template, _card_context(attempt, slot))
    return redirect("quizzes:attempt_question", attempt.pk, position)


@require_safe
@explain_missing_attempt
def attempt_results(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = attempts.attempt_for(request, attempt_id)
    summary = attempts.summarise(attempt)
    slugs = _lesson_slugs()
    controls = list(ControlType.objects.all())
    missed = []
    for item in summary.missed:
        if item.question.retired:
            missed.append((item, None, ""))
        elif item.response:
            fb = feedback.build(item.question, item.response, lesson_slugs=slugs, control_types=controls)
            missed.append((item, fb, fb.prompt))
        else:
            missed.append((item, None, questions.present(item.question, control_types=controls).prompt))
    return render(request, "quizzes/attempt_results.html", {"summary": summary, "missed": missed})


@require_POST
@explain_missing_attempt
def attempt_retry(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = attempts.attempt_for(request, attempt_id)
    missed = [item.question for item in attempts.summarise(attempt).missed if not item.question.retired]
    if not missed:
        messages.info(request, "You got every question right: there is nothing to retry.")
        return redirect("quizzes:attempt_results", attempt.pk)
    retry = attempts.start_attempt(
        attempt.learner,
        topic=attempt.topic,
        title=f"Retry: {attempt.title}",
        questions=missed,
        retry_of=attempt,
    )
    return redirect(retry)


@require_safe
def attempt_list(request: HtmxHttpRequest) -> HttpResponse:
    learner = current_learner(request)
    history = []
    if learner:
        for attempt in Attempt.objects.filter(learner=learner).prefetch_related("responses", "slots"):
            responses = list(attempt.responses.all())
            history.append(
                {
                    "attempt": attempt,
                    "total": len(attempt.slots.all()),
                    "answered": len(responses),
                    "score": sum(r.score for r in responses),
                }
            )
    return render(request, "quizzes/attempt_list.html", {"history": history})
