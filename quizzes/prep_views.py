"""Exam preparation pages: spaced review, exam simulation and "My progress"."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from learners.current import current_learner
from srm_site.http import HtmxHttpRequest

from . import review
from .forms import ReviewSettingsForm


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
