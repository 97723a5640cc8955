from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from learners.current import LearnerGone, current_learner
from srm_site.http import HtmxHttpRequest

from . import blocks, caching, documents, matrix, progress
from .forms import CompareForm, DutyFilterForm
from .models import Category, Duty, Layer, Lesson, MatrixCell, Misconception, Service, search_words


def _matrix_etag(request) -> str:
    return f"matrix-v{caching.version(request)}"


@require_safe
@cache_control(public=True, max_age=300)
@condition(etag_func=_matrix_etag)
def matrix_json(request) -> HttpResponse:
    response = HttpResponse(documents.matrix_json(caching.version(request)), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"  # public, read-only data
    return response


@require_safe
def lesson_list(request: HtmxHttpRequest) -> HttpResponse:
    lessons = list(Lesson.objects.path())
    done = progress.completed_lesson_ids(current_learner(request))
    return render(
        request,
        "lessons/lesson_list.html",
        {"lessons": lessons, "done": done, "done_count": sum(1 for x in lessons if x.pk in done)},
    )


def _lesson_context(request: HtmxHttpRequest, lesson: Lesson) -> dict:
    lessons = list(Lesson.objects.path().only("slug", "title", "order"))
    position = next(i for i, x in enumerate(lessons) if x.pk == lesson.pk)
    done = progress.completed_lesson_ids(current_learner(request))
    return {
        "lesson": lesson,
        "previous": lessons[position - 1] if position > 0 else None,
        "next": lessons[position + 1] if position + 1 < len(lessons) else None,
        "is_done": lesson.pk in done,
        "done_count": len(done & {x.pk for x in lessons}),
        "lesson_count": len(lessons),
        "position": position + 1,
    }


@require_safe
def lesson_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=slug)
    context = _lesson_context(request, lesson)
    context["blocks"] = [blocks.build(show) for show in lesson.shows]
    return render(request, "lessons/lesson_detail.html", context)


@require_POST
def lesson_complete(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=slug)
    try:
        progress.mark_done(current_learner(request, create=True), lesson)
    except LearnerGone:
        messages.error(
            request, "Your records were deleted while this page was open, so nothing was recorded."
        )
        url = lesson.get_absolute_url()
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _lesson_context(request, lesson)
    if request.htmx:
        return render(request, "lessons/lesson_detail.html#lesson-progress", context)
    messages.success(
        request,
        f"“{lesson.title}” is marked as done: {context['done_count']} of {context['lesson_count']} lessons done.",
    )
    return redirect(context["next"] or "lessons:lesson_list")


@require_safe
def category_matrix(request: HtmxHttpRequest, present: bool = False) -> HttpResponse:
    categories, rows = matrix.category_matrix()
    return render(
        request,
        "lessons/category_matrix.html",
        {"categories": categories, "rows": rows, "legend": matrix.legend(), "present": present},
    )


@require_safe
def service_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "lessons/service_list.html", {"groups": blocks.grouped_services()})


def _service_context(slug: str) -> dict:
    service = get_object_or_404(
        Service.objects.select_related("category").prefetch_related(
            Prefetch("cells", queryset=MatrixCell.objects.select_related("layer"))
        ),
        slug=slug,
    )
    duties = list(
        Duty.objects.for_service(service.slug).select_related("layer").order_by("layer__order", "position")
    )
    by_layer: dict[int, list[Duty]] = {}
    for duty in duties:
        by_layer.setdefault(duty.layer_id, []).append(duty)
    rows = matrix.service_matrix([service])
    return {
        "service": service,
        "stack": [(row.layer, row.cells[0], by_layer.get(row.layer.pk, [])) for row in rows],
        "duty_count": len(duties),
        "misconceptions": list(Misconception.objects.filter(services=service)),
        "best_practices": list(service.best_practices.all()),
        "legend": matrix.legend(),
    }


@require_safe
def service_detail(request: HtmxHttpRequest, slug: str, present: bool = False) -> HttpResponse:
    return render(request, "lessons/service_detail.html", {**_service_context(slug), "present": present})


@require_safe
@vary_on_headers("HX-Request")
def compare(request: HtmxHttpRequest) -> HttpResponse:
    services = list(Service.objects.with_matrix().order_by("category__position", "name"))
    by_slug = {s.slug: s for s in services}
    form = CompareForm(
        request.GET if "services" in request.GET else None,
        service_choices=[(s.slug, s.name) for s in services],
    )
    chosen, rows = [], []
    if form.is_valid():
        chosen = [by_slug[slug] for slug in form.cleaned_data["services"]]
        rows = matrix.service_matrix(chosen)
    template = "lessons/compare.html#compare-results" if request.htmx else "lessons/compare.html"
    return render(
        request,
        template,
        {
            "form": form,
            "groups": _group(services),
            "chosen": chosen,
            "selected": request.GET.getlist("services"),
            "rows": rows,
            "changes": sum(row.changes for row in rows),
            "legend": matrix.legend(),
            "present": request.GET.get("present") == "1",
        },
    )


def _group(services: list[Service]) -> list[tuple[Category, list[Service]]]:
    groups: dict[int, tuple[Category, list[Service]]] = {}
    for s in services:
        groups.setdefault(s.category_id, (s.category, []))[1].append(s)
    return list(groups.values())


DUTIES_PER_PAGE = 25


@require_safe
@vary_on_headers("HX-Request")
def duty_list(request: HtmxHttpRequest) -> HttpResponse:
    layers = list(Layer.objects.all())
    categories = list(Category.objects.all())
    services = list(Service.objects.order_by("name").only("slug", "name"))
    form = DutyFilterForm(request.GET or None, layers=layers, categories=categories, services=services)
    duties = Duty.objects.with_relations().order_by("layer__order", "position")
    filters: dict[str, str] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        duties = duties.matching(**filters)
    elif form.is_bound:
        duties = duties.none()
    page = Paginator(duties, DUTIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    labels = {
        name: dict(form.fields[name].choices).get(value, value)
        for name, value in filters.items()
        if name != "q"
    }
    template = "lessons/duty_list.html#duty-results" if request.htmx else "lessons/duty_list.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "filters": filters,
            "labels": labels,
            "query": query.urlencode(),
            "search_words": search_words(filters.get("q", "")),
            # A page link moves the learner to the top of the new results; a filter change leaves focus alone.
            "focus_results": bool(request.htmx) and "page" in request.GET,
        },
    )


@require_safe
def misconception_list(request: HtmxHttpRequest) -> HttpResponse:
    misconceptions = Misconception.objects.prefetch_related(
        "layers", "services", Prefetch("duties", queryset=Duty.objects.only("slug", "statement", "owner"))
    )
    lesson = next(iter(Lesson.objects.teaching("misconceptions")), None)
    return render(
        request, "lessons/misconception_list.html", {"misconceptions": misconceptions, "lesson": lesson}
    )
