import functools
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from learners.current import current_learner
from lessons import caching
from lessons.models import Lesson
from srm_site.http import HtmxHttpRequest

from . import attempts, fast, feedback, kinds
from .forms import AnswerForm, SetupForm
from .grading import AlreadyAnswered, record_answer
from .models import Attempt, Mode, Question
from .topics import topic_choices, topic_label

QUESTION_TEMPLATE = "quizzes/question.html"
ALREADY_ANSWERED = "You already answered this question; your first answer counts."
SKIPPED = (
    "This question was taken out of the quiz bank after you started, so it is skipped and does not count."
)


def explain_missing_attempt(view):
    """A quiz this browser cannot see gets a page that says why and how to go on, not a bare 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (attempts.AttemptNotFound, attempts.NoSuchQuestion):
            if request.htmx:
                return HttpResponseClientRefresh()  # htmx drops 4xx bodies: reload to show the full page
            return render(request, "quizzes/attempt_missing.html", status=404)

    return wrapper


def _attempt(request: HtmxHttpRequest, attempt_id) -> Attempt:
    return attempts.find_attempt(current_learner(request), attempt_id)


def _sat_elsewhere(request: HtmxHttpRequest, attempt: Attempt) -> HttpResponse | None:
    """A mode with pages of its own is sat there: an exam shows no feedback before it is submitted."""
    match attempt.mode:
        case Mode.EXAM:
            url = reverse("prep:exam_detail", args=[attempt.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return None


@require_safe
def quiz_setup(request: HtmxHttpRequest) -> HttpResponse:
    choices = caching.cached(request, "quiz-topics", topic_choices)
    form = SetupForm(request.GET if "topic" in request.GET else None, choices=choices)
    valid = not form.is_bound or form.is_valid()
    chosen = form.cleaned_data if form.is_bound and valid else {"topic": "everything", "length": 10}
    context = {"form": form, "chosen": chosen, "topic_label": topic_label(chosen["topic"], choices)}
    # The two selects (about 80 options, each through a widget template) are the same for everyone who
    # chose the same: cached under the content version. A form with errors renders live.
    context["fields_key"] = f"{chosen['topic']}|{chosen['length']}" if valid else ""
    return render(request, "quizzes/quiz_setup.html", context)


@require_POST
def quiz_start(request: HtmxHttpRequest) -> HttpResponse:
    choices = caching.cached(request, "quiz-topics", topic_choices)
    form = SetupForm(request.POST, choices=choices)
    if not form.is_valid():
        return render(request, "quizzes/quiz_setup.html", {"form": form, "chosen": None}, status=200)
    topic, length = form.cleaned_data["topic"], form.cleaned_data["length"]
    if "share" in request.POST:
        return redirect(f"{reverse('quizzes:quiz_setup')}?{urlencode({'topic': topic, 'length': length})}")
    drawn = attempts.draw(topic, length)
    if not drawn:
        messages.error(request, "There are no questions on that topic yet. Choose another topic.")
        return redirect(f"{reverse('quizzes:quiz_setup')}?topic={topic}&length={length}")
    if len(drawn) < length:
        messages.info(request, f"This topic has {len(drawn)} questions, so this quiz has {len(drawn)}.")
    learner = current_learner(request, create=True)
    title = topic_label(topic, choices)
    attempt = attempts.start_attempt(learner, topic=topic, title=title, questions=drawn)
    return redirect(attempt)


@require_safe
@explain_missing_attempt
def attempt_detail(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    if elsewhere := _sat_elsewhere(request, attempt):
        return elsewhere
    position = attempts.first_open_position(attempt)
    if position is None:
        return redirect("quizzes:attempt_results", attempt.pk)
    return redirect("quizzes:attempt_question", attempt.pk, position)


def _card_context(
    request: HtmxHttpRequest,
    attempt: Attempt,
    slot: attempts.Slot,
    lookups: kinds.Lookups,
    *,
    form=None,
    notice: str = "",
) -> dict:
    """The question card's context. The slot's question may come without its kind's relations
    (attempts.slot(load=False)): what is built from the content alone is cached under the content version,
    and the relations are loaded only to build it."""
    context = {
        "attempt": attempt,
        "slot": slot,
        "score": floatformat(attempt.score, "-1"),
        "notice": notice,
        "next_position": slot.position + 1 if slot.position < attempt.total else None,
    }
    question = slot.question
    if slot.skipped:
        context["notice"] = SKIPPED
    elif slot.response and question.retired:
        context["feedback"] = feedback.for_response(slot.response, question, lookups)
    elif slot.response:
        # Today's key and "learn more" are the same for every learner: built once per content version.
        today, learn_more = caching.cached(
            request, "quiz-today", lambda: _today(question, lookups), question.pk
        )
        context["feedback"] = feedback.build(slot.response, today=today, learn_more=learn_more)
    else:
        # Unanswered, the card's form is the same for everyone shown this question at this position: the
        # template caches it under the content version (with `fresh`), so it is built only on a miss.
        # An invalid answer renders live, with its errors.
        @functools.cache
        def presented():
            kinds.load([question], key=False)
            return kinds.present(question, lookups)

        context |= {
            "answer_url": reverse("quizzes:attempt_answer", args=[attempt.pk, slot.position]),
            "fresh": form is None,
            "htmx": bool(request.htmx),  # focus goes to the first option of a swapped-in card
            "presented": form.presented if form else SimpleLazyObject(presented),
            "form": form or SimpleLazyObject(lambda: AnswerForm(presented=presented())),
            "kind_template": kinds.kind_module(question.kind).TEMPLATE,
        }
    return context


def _today(question, lookups: kinds.Lookups) -> tuple[dict, tuple[str, str] | None]:
    """The question's snapshot from today's content and its "learn more" link, for feedback."""
    kinds.load([question])
    return kinds.snapshot(question, lookups), feedback.learn_more(question, lookups)


@require_safe
@vary_on_headers("HX-Request")
@explain_missing_attempt
def attempt_question(request: HtmxHttpRequest, attempt_id, position: int) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    if elsewhere := _sat_elsewhere(request, attempt):
        return elsewhere
    slot = _slot(request, attempt, position)
    template = f"{QUESTION_TEMPLATE}#question-card" if request.htmx else QUESTION_TEMPLATE
    context = _card_context(request, attempt, slot, kinds.Lookups())
    response = render(request, template, context)
    if context.get("fresh"):
        fast.store_frame(request, template, context)  # for quizzes/fast.py, if it asked for one
    return response


def _slot(request: HtmxHttpRequest, attempt: Attempt, position: int) -> attempts.Slot:
    """The slot as the card needs it: the question's row and foreign keys (content) are cached under the
    content version; its kind's other relations are read only when a cached part of the card is built."""

    def question(pk: int) -> Question:
        def build():
            return Question.objects.select_related(*kinds.JOINS).get(pk=pk)

        return caching.cached(request, "quiz-question", build, pk)

    return attempts.slot(attempt, position, load=False, question=question)


@require_POST
@explain_missing_attempt
def attempt_answer(request: HtmxHttpRequest, attempt_id, position: int) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    if elsewhere := _sat_elsewhere(request, attempt):
        return elsewhere
    slot = _slot(request, attempt, position)
    lookups = kinds.Lookups()
    template = f"{QUESTION_TEMPLATE}#question-card" if request.htmx else QUESTION_TEMPLATE
    if slot.response or slot.skipped:
        # Refresh, back button or double click: the first answer stands and nothing changes.
        notice = ALREADY_ANSWERED if slot.response else ""
        return render(request, template, _card_context(request, attempt, slot, lookups, notice=notice))
    kinds.load([slot.question])  # what grading reads
    form = AnswerForm(request.POST, presented=kinds.present(slot.question, lookups))
    if not form.is_valid():
        return render(request, template, _card_context(request, attempt, slot, lookups, form=form))
    notice = ""
    try:
        slot.response = record_answer(attempt, slot.question, form.answer(), lookups, guessed=form.guessed)
    except AlreadyAnswered as exc:
        # Another tab answered first: its answer stands, and this one is told so rather than shown
        # the other tab's verdict as its own.
        slot.response = exc.response
        notice = ALREADY_ANSWERED
    if request.htmx:
        return render(request, template, _card_context(request, attempt, slot, lookups, notice=notice))
    if notice:
        messages.info(request, notice)
    return redirect("quizzes:attempt_question", attempt.pk, position)


@require_safe
@explain_missing_attempt
def attempt_results(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    if elsewhere := _sat_elsewhere(request, attempt):
        return elsewhere
    # The results change only with an answer (the counters) or the content (feedback compares with today's
    # key): the page's fragments and the missed count are cached under both, so the summary (about 25
    # queries) is computed once per state, not per view.
    state = (attempt.pk, attempt.answered_count, attempt.score, attempt.finished_at, attempt.total)
    build = functools.cache(lambda: _results_context(attempt))
    context = caching.lazy_context(build, ["summary", "missed", "lesson", "next_lesson", "path_finished"])
    context |= {
        "attempt": attempt,
        "results_state": ":".join(map(str, state)),
        "missed_count": caching.cached(request, "quiz-missed", lambda: len(build()["missed"]), *state),
    }
    return render(request, "quizzes/attempt_results.html", context)


def _results_context(attempt: Attempt) -> dict:
    lookups = kinds.Lookups()
    summary = attempts.summarise(attempt, lookups)
    missed = []
    for item in summary.missed:
        if item.response:
            missed.append((item, feedback.for_response(item.response, item.question, lookups), ""))
        else:
            missed.append((item, None, kinds.present(item.question, lookups).prompt))
    lesson = next_lesson = None
    if attempt.topic.startswith("lesson:"):
        lesson = Lesson.objects.filter(slug=attempt.topic.removeprefix("lesson:")).first()
        next_lesson = lesson and Lesson.objects.path().filter(order__gt=lesson.order).first()
    return {
        "summary": summary,
        "missed": missed,
        "lesson": lesson,
        "next_lesson": next_lesson,
        "path_finished": bool(lesson) and next_lesson is None,
    }


@require_POST
@explain_missing_attempt
def attempt_retry(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
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
    history = Attempt.objects.for_learner(current_learner(request))
    return render(request, "quizzes/attempt_list.html", {"history": history})
