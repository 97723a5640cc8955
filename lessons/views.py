from typing import NamedTuple

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from learners.current import LearnerGone, current_learner
from srm_site.http import HtmxHttpRequest

from . import blocks, caching, documents, glossary, matrix, progress, search
from .forms import CompareForm, DutyFilterForm
from .models import (
    Category,
    Duty,
    GlossaryTerm,
    Layer,
    Lesson,
    MatrixCell,
    Misconception,
    Service,
    search_words,
)


def _matrix_etag(request) -> str:
    return f"matrix-v{caching.version(request)}"


@require_safe
@cache_control(public=True, max_age=300)
@condition(etag_func=_matrix_etag)
def matrix_json(request) -> HttpResponse:
    response = HttpResponse(documents.matrix_json(caching.version(request)), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"  # public, read-only data
    return response


class PathStep(NamedTuple):
    """What every lesson page needs about each lesson of the path, cached per content version."""

    pk: int
    slug: str
    title: str
    quiz: str

    def get_absolute_url(self) -> str:
        return reverse("lessons:lesson_detail", args=[self.slug])


def _path(request: HtmxHttpRequest) -> list[PathStep]:
    return caching.cached(
        request,
        "path",
        lambda: [PathStep(*row) for row in Lesson.objects.path().values_list("pk", "slug", "title", "quiz")],
    )


@require_safe
def lesson_list(request: HtmxHttpRequest) -> HttpResponse:
    done = progress.completed_lesson_ids(current_learner(request))
    lessons = SimpleLazyObject(lambda: list(Lesson.objects.path()))
    return render(
        request,
        "lessons/lesson_list.html",
        {
            "lessons": lessons,
            "done": done,
            "done_key": ",".join(map(str, sorted(done))),
            "done_count": len(done & {x.pk for x in _path(request)}),
            "total_minutes": SimpleLazyObject(lambda: sum(x.reading_minutes for x in lessons)),
        },
    )


def _lesson_context(request: HtmxHttpRequest, slug: str) -> dict:
    lessons = _path(request)
    position = next((i for i, x in enumerate(lessons) if x.slug == slug), None)
    if position is None:
        raise Http404("No such lesson.")
    lesson = lessons[position]
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
    context = _lesson_context(request, slug)
    # The article and its data blocks are read only when their cached fragments are missing.
    article = SimpleLazyObject(lambda: Lesson.objects.get(pk=context["lesson"].pk))
    context["article"] = article
    context["body_html"] = SimpleLazyObject(lambda: glossary.lesson_body(article, glossary.linkable_terms()))
    context["blocks"] = SimpleLazyObject(lambda: [blocks.build(show) for show in article.shows])
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
    context = _lesson_context(request, slug)
    if request.htmx:
        return render(request, "lessons/lesson_detail.html#lesson-progress", context)
    messages.success(
        request,
        f"“{lesson.title}” is marked as done: {context['done_count']} of {context['lesson_count']} lessons done.",
    )
    return redirect(context["next"] or "lessons:lesson_list")


@require_safe
def category_matrix(request: HtmxHttpRequest, present: bool = False) -> HttpResponse:
    # Built only when the page's cached fragment is missing (lessons/caching.py).
    table = SimpleLazyObject(matrix.category_matrix)
    return render(
        request,
        "lessons/category_matrix.html",
        {"table": table, "legend": matrix.legend(), "present": present},
    )


@require_safe
def service_list(request: HtmxHttpRequest) -> HttpResponse:
    groups = SimpleLazyObject(blocks.grouped_services)
    return render(request, "lessons/service_list.html", {"groups": groups})


def _service_context(service: Service) -> dict:
    prefetch_related_objects(
        [service], Prefetch("cells", queryset=MatrixCell.objects.select_related("layer"))
    )
    duties = list(
        Duty.objects.for_service(service.slug).select_related("layer").order_by("layer__order", "position")
    )
    by_layer: dict[int, list[Duty]] = {}
    for duty in duties:
        by_layer.setdefault(duty.layer_id, []).append(duty)
    rows = matrix.service_matrix([service])
    return {
        "stack": [(row.layer, row.cells[0], by_layer.get(row.layer.pk, [])) for row in rows],
        "duty_count": len(duties),
        "misconceptions": list(Misconception.objects.filter(services=service)),
        "best_practices": list(service.best_practices.all()),
    }


@require_safe
def service_detail(request: HtmxHttpRequest, slug: str, present: bool = False) -> HttpResponse:
    service = caching.cached(
        request, "service", lambda: Service.objects.select_related("category").filter(slug=slug).first(), slug
    )
    if service is None:
        raise Http404("No such service.")
    lazy = caching.lazy_context(
        lambda: _service_context(service), ["stack", "duty_count", "misconceptions", "best_practices"]
    )
    return render(
        request,
        "lessons/service_detail.html",
        {"service": service, "legend": matrix.legend(), "present": present, **lazy},
    )


def _service_choices(request: HtmxHttpRequest) -> list[tuple[str, str]]:
    return caching.cached(
        request,
        "service-choices",
        lambda: list(Service.objects.order_by("category__position", "name").values_list("slug", "name")),
    )


def _compare_context(chosen_slugs: list[str]) -> dict:
    services = list(Service.objects.with_matrix().order_by("category__position", "name"))
    by_slug = {s.slug: s for s in services}
    chosen = [by_slug[slug] for slug in chosen_slugs]
    rows = matrix.service_matrix(chosen) if chosen else []
    return {
        "groups": _group(services),
        "chosen": chosen,
        "rows": rows,
        "changes": sum(row.changes for row in rows),
    }


@require_safe
@vary_on_headers("HX-Request")
def compare(request: HtmxHttpRequest) -> HttpResponse:
    form = CompareForm(
        request.GET if "services" in request.GET else None, service_choices=_service_choices(request)
    )
    chosen_slugs = form.cleaned_data["services"] if form.is_valid() else []
    lazy = caching.lazy_context(
        lambda: _compare_context(chosen_slugs), ["groups", "chosen", "rows", "changes"]
    )
    template = "lessons/compare.html#compare-results" if request.htmx else "lessons/compare.html"
    return render(
        request,
        template,
        {
            "form": form,
            "selected": request.GET.getlist("services"),
            "legend": matrix.legend(),
            "present": request.GET.get("present") == "1",
            **lazy,
        },
    )


def _group(services: list[Service]) -> list[tuple[Category, list[Service]]]:
    groups: dict[int, tuple[Category, list[Service]]] = {}
    for s in services:
        groups.setdefault(s.category_id, (s.category, []))[1].append(s)
    return list(groups.values())


DUTIES_PER_PAGE = 25


class Choice(NamedTuple):
    slug: str
    name: str


def _filter_choices(request: HtmxHttpRequest) -> dict[str, list[Choice]]:
    def build():
        return {
            "layers": [Choice(*x) for x in Layer.objects.values_list("slug", "name")],
            "categories": [Choice(*x) for x in Category.objects.values_list("slug", "name")],
            "services": [Choice(*x) for x in Service.objects.order_by("name").values_list("slug", "name")],
        }

    return caching.cached(request, "duty-filters", build)


@require_safe
@vary_on_headers("HX-Request")
def duty_list(request: HtmxHttpRequest) -> HttpResponse:
    form = DutyFilterForm(request.GET or None, **_filter_choices(request))
    duties = Duty.objects.with_relations().order_by("layer__order", "position")
    filters: dict[str, str] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        duties = duties.matching(**filters)
    elif form.is_bound:
        duties = duties.none()
    page_number = request.GET.get("page")
    # Counted and read only when this filter's cached results are missing.
    page = SimpleLazyObject(lambda: Paginator(duties, DUTIES_PER_PAGE).get_page(page_number))
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
            "page_number": page_number,
            "filters": filters,
            "labels": labels,
            "query": query.urlencode(),
            "search_words": search_words(filters.get("q", "")),
            # A page link moves the learner to the top of the new results; a filter change leaves focus alone.
            "focus_results": bool(request.htmx) and "page" in request.GET,
        },
    )


@require_safe
def site_search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = search.search(query) if query else None
    return render(request, "lessons/search.html", {"query": query, "results": results})


def _glossary_context() -> dict:
    terms = list(GlossaryTerm.objects.alphabetical().with_links())
    uses = glossary.first_uses(glossary.as_terms(terms))
    for term in terms:
        term.used_in = uses.get(term.slug, [])
    return {"groups": glossary.letter_groups(terms), "term_count": len(terms)}


@require_safe
def glossary_page(request: HtmxHttpRequest) -> HttpResponse:
    # Built only when the page's cached fragment is missing (lessons/caching.py).
    lazy = caching.lazy_context(_glossary_context, ["groups", "term_count"])
    return render(request, "lessons/glossary.html", lazy)


@require_safe
def misconception_list(request: HtmxHttpRequest) -> HttpResponse:
    misconceptions = Misconception.objects.prefetch_related(
        "layers", "services", Prefetch("duties", queryset=Duty.objects.only("slug", "statement", "owner"))
    )
    lesson = SimpleLazyObject(lambda: next(iter(Lesson.objects.teaching("misconceptions")), None))
    return render(
        request, "lessons/misconception_list.html", {"misconceptions": misconceptions, "lesson": lesson}
    )
