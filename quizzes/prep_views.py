"""Exam preparation pages: spaced review, exam simulation and "My progress"."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url

from learners.current import current_learner
from lessons.caching import cached
from srm_site.http import HtmxHttpRequest

from . import attempts, exam, kinds, mastery, review
from .forms import AnswerForm, ExamSetupForm, ReviewSettingsForm
from .models import Attempt, Mode
from .views import explain_missing_attempt


def _review_context(request: HtmxHttpRequest, form: ReviewSettingsForm | None = None) -> dict:
    learner = current_learner(request)
    found = review.settings_for(learner)
    return {
        "queue": review.queue(learner),
        "review_settings": found,
        "form": form
        or ReviewSettingsForm(initial={"retention": found.retention, "daily_cap": found.daily_cap}),
    }


@require_safe
def review_page(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "prep/review.html", _review_context(request))


@require_POST
def review_start(request: HtmxHttpRequest) -> HttpResponse:
    learner = current_learner(request)
    try:
        if learner is None:
            raise review.NothingDue("Nothing to review yet.")
        sitting = review.start_review(learner)
    except review.NothingDue as exc:
        messages.info(request, str(exc))
        return redirect("prep:review_page")
    return redirect(sitting)


@require_POST
def review_settings(request: HtmxHttpRequest) -> HttpResponse:
    form = ReviewSettingsForm(request.POST)
    if not form.is_valid():
        return render(request, "prep/review.html", _review_context(request, form))
    learner = current_learner(request, create=True)
    review.save_settings(learner, **form.cleaned_data)
    messages.success(request, "Review settings saved.")
    return redirect("prep:review_page")


# Exam simulation


def _open_exam(request: HtmxHttpRequest, attempt_id) -> Attempt:
    """The learner's exam, as it is (a POST checks the deadline itself)."""
    attempt = attempts.find_attempt(current_learner(request), attempt_id)
    if attempt.mode != Mode.EXAM:
        raise attempts.AttemptNotFound("Not an exam.")
    return attempt


def _exam(request: HtmxHttpRequest, attempt_id) -> Attempt:
    """The learner's exam, finished first if its deadline passed while nobody was looking."""
    return exam.expire_if_due(_open_exam(request, attempt_id))


def _past_exams(learner) -> list[Attempt]:
    if learner is None:
        return []
    exam.finish_overdue(learner=learner)
    return list(Attempt.objects.for_learner(learner).filter(mode=Mode.EXAM).order_by("started_at"))


def _past_context(past: list[Attempt]) -> dict:
    """What the past-exams partial needs: the list for its table and the bars of its chart."""
    return {
        "past": past,
        "past_bars": exam.score_bars(past),
        "chart": mastery.CHART_SIZE,
        "chart_exams": exam.CHART_EXAMS,
    }


def _setup_context(request: HtmxHttpRequest, form: ExamSetupForm) -> dict:
    past = _past_exams(current_learner(request))
    return {
        "form": form,
        **_past_context(past),
        "open_exam": next((a for a in past if a.finished_at is None), None),
        "formats": [(n, m, exam.minutes_for(n, extra_time=True)) for n, m in exam.FORMATS.items()],
    }


@require_safe
def exam_setup(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "prep/exam_setup.html", _setup_context(request, ExamSetupForm()))


@require_POST
def exam_start(request: HtmxHttpRequest) -> HttpResponse:
    form = ExamSetupForm(request.POST)
    if not form.is_valid():
        return render(request, "prep/exam_setup.html", _setup_context(request, form))
    learner = current_learner(request, create=True)
    attempt = exam.start_exam(learner, **form.cleaned_data)
    if attempt.total < form.cleaned_data["length"]:
        messages.info(
            request, f"The bank has {attempt.total} suitable questions, so this exam has {attempt.total}."
        )
    return redirect("prep:exam_question", attempt.pk, 1)


@require_safe
@explain_missing_attempt
def exam_detail(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = _exam(request, attempt_id)
    if attempt.is_finished:
        return redirect("prep:exam_results", attempt.pk)
    unanswered = next((n.position for n in exam.navigator(attempt) if not n.answered), 1)
    return redirect("prep:exam_question", attempt.pk, unanswered)


def _go(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """A page change: a redirect, or for htmx a client redirect (htmx does not follow a 302 as a page)."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _closed(request: HtmxHttpRequest, attempt: Attempt, *, late: bool) -> HttpResponse:
    if late:
        messages.error(
            request,
            f"Time is up: the exam ended at {attempt.deadline:%H:%M} UTC, so that answer arrived too late and "
            "was not saved. Your exam was graded with the answers saved before the deadline.",
        )
    else:
        messages.info(request, "This exam is already submitted; answers can no longer change.")
    return _go(request, reverse("prep:exam_results", args=[attempt.pk]))


def _presented(request: HtmxHttpRequest, row: exam.ExamSlot) -> kinds.Presented:
    return cached(request, "exam-presented", lambda: exam.presented(row.question_id), row.question_id)


def _question_context(
    request: HtmxHttpRequest, attempt: Attempt, row: exam.ExamSlot, draft, *, form=None
) -> dict:
    presented = _presented(request, row)
    if form is None:
        initial = (draft.answer or {}) | {"guessed": draft.guessed}
        form = AnswerForm(initial=initial, presented=presented)
    return {
        "attempt": attempt,
        "slot": row,
        "draft": draft,
        "presented": presented,
        "form": form,
        "kind_template": kinds.kind_module(row.kind).TEMPLATE,
        "nav": exam.navigator(attempt),
        "seconds_left": exam.seconds_left(attempt),
    }


EXAM_QUESTION = "prep/exam_question.html"


@require_safe
@vary_on_headers("HX-Request")
@explain_missing_attempt
def exam_question(request: HtmxHttpRequest, attempt_id, position: int) -> HttpResponse:
    attempt = _exam(request, attempt_id)
    if attempt.is_finished:
        return _go(request, reverse("prep:exam_results", args=[attempt.pk]))
    row = exam.question_at(attempt, position)
    draft = exam.open_question(attempt, row.question_id)
    template = f"{EXAM_QUESTION}#exam-card" if request.htmx else EXAM_QUESTION
    return render(request, template, _question_context(request, attempt, row, draft))


def _next_position(attempt: Attempt, position: int, go: str) -> int | None:
    """Where the learner asked to go after saving: a question's position, or None for the review screen."""
    match go:
        case "prev" if position > 1:
            return position - 1
        case "next" if position < attempt.total:
            return position + 1
        case "next" | "review":
            return None
        case number if number.isdigit() and 1 <= int(number) <= attempt.total:
            return int(number)
    return position


@require_POST
@explain_missing_attempt
def exam_answer(request: HtmxHttpRequest, attempt_id, position: int) -> HttpResponse:
    """Save the answer and flag, then go where the learner asked. With htmx the next question's card comes
    back in place (its URL pushed); the review screen is a page change."""
    attempt, row = exam.find_slot(current_learner(request), attempt_id, position)
    presented = _presented(request, row)
    form = AnswerForm(request.POST, presented=presented)
    given = any(name in request.POST for name in kinds.form_fields(presented))
    if given and not form.is_valid():
        draft = exam.open_question(attempt, row.question_id)
        template = f"{EXAM_QUESTION}#exam-card" if request.htmx else EXAM_QUESTION
        return render(request, template, _question_context(request, attempt, row, draft, form=form))
    try:
        exam.save_draft(
            attempt,
            row.question_id,
            answer=form.answer() if given else None,
            guessed=given and form.guessed,
            flagged=bool(request.POST.get("flagged")),
        )
    except exam.ExamClosed as closed:
        return _closed(request, closed.attempt, late=closed.late)
    target = _next_position(attempt, position, request.POST.get("go", "next"))
    if target is None:
        return _go(request, reverse("prep:exam_review", args=[attempt.pk]))
    url = reverse("prep:exam_question", args=[attempt.pk, target])
    if not request.htmx:
        return redirect(url)
    row = exam.question_at(attempt, target)
    draft = exam.open_question(attempt, row.question_id)
    return push_url(
        render(request, f"{EXAM_QUESTION}#exam-card", _question_context(request, attempt, row, draft)), url
    )


@require_POST
@explain_missing_attempt
def exam_flag(request: HtmxHttpRequest, attempt_id, position: int) -> HttpResponse:
    """Flag or unflag one question at once (the checkbox with JavaScript); the answer is left as saved.
    Without JavaScript the flag travels with the answer form instead."""
    attempt, row = exam.find_slot(current_learner(request), attempt_id, position)
    try:
        exam.set_flag(attempt, row.question_id, flagged=bool(request.POST.get("flagged")))
    except exam.ExamClosed as closed:
        return _closed(request, closed.attempt, late=closed.late)
    if not request.htmx:
        return redirect("prep:exam_question", attempt.pk, position)
    context = {"attempt": attempt, "slot": row, "nav": exam.navigator(attempt)}
    return render(request, f"{EXAM_QUESTION}#exam-nav", context)


@require_safe
@explain_missing_attempt
def exam_review(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = _exam(request, attempt_id)
    if attempt.is_finished:
        return redirect("prep:exam_results", attempt.pk)
    nav = exam.navigator(attempt)
    return render(
        request,
        "prep/exam_review.html",
        {
            "attempt": attempt,
            "nav": nav,
            "unanswered": [n for n in nav if not n.answered],
            "flagged": [n for n in nav if n.flagged],
            "seconds_left": exam.seconds_left(attempt),
        },
    )


@require_POST
@explain_missing_attempt
def exam_submit(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = _open_exam(request, attempt_id)
    late = attempt.finished_at is None and attempt.deadline and timezone.now() >= attempt.deadline
    exam.finish_exam(attempt)
    if late:
        messages.info(request, "Time ran out before you submitted; the answers saved in time were graded.")
    return redirect("prep:exam_results", attempt.pk)


@require_safe
@explain_missing_attempt
def exam_results(request: HtmxHttpRequest, attempt_id) -> HttpResponse:
    attempt = _exam(request, attempt_id)
    if not attempt.is_finished:
        return redirect("prep:exam_detail", attempt.pk)
    results = exam.results(attempt)
    readiness = exam.readiness(attempt.learner)
    past = list(
        Attempt.objects.for_learner(attempt.learner).filter(mode=Mode.EXAM).finished().order_by("started_at")
    )
    return render(
        request,
        "prep/exam_results.html",
        {
            "results": results,
            "summary": results.summary,
            "readiness": readiness,
            "readiness_tables": [
                (title, rows)
                for title, rows in [
                    ("By exam task", readiness.by_task),
                    ("By layer", readiness.by_layer),
                    ("By service category", readiness.by_category),
                ]
                if rows
            ],
            "min_evidence": exam.MIN_EVIDENCE,
            **_past_context(past),
        },
    )


# My progress


@require_safe
def progress_page(request: HtmxHttpRequest) -> HttpResponse:
    learner = current_learner(request)
    return render(
        request,
        "prep/progress.html",
        {
            "progress": mastery.progress(learner),
            "chart_width": mastery.CHART_WIDTH,
            "chart_height": mastery.CHART_HEIGHT,
            "strip_height": mastery.STRIP_HEIGHT,
            "levels": mastery.Level.ORDER,
            "mature_days": mastery.MATURE_DAYS,
        },
    )
