from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from srm_site.http import HtmxHttpRequest

from .filing import TooManyReports, client_key, file_report
from .forms import ReportForm
from .items import Item, find_item


def _item(about: str | None) -> Item:
    item = find_item(about or "")
    if item is None:
        raise Http404("There is no such item to report.")
    return item


@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def report_new(request: HtmxHttpRequest) -> HttpResponse:
    """Report a problem with one item: GET shows the form, POST files the report."""
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        item = _item(request.POST.get("about"))
        if form.is_valid():
            try:
                file_report(
                    item=item,
                    message=form.cleaned_data["message"],
                    aws_link=form.cleaned_data["aws_link"],
                    client=client_key(request),
                )
            except TooManyReports:
                form.add_error(
                    None, "You have sent the most reports allowed in an hour. Please try again later."
                )
                status = 200 if request.htmx else 429
            else:
                if request.htmx:
                    return render(
                        request, "reports/report_form.html#report-form", {"item": item, "sent": True}
                    )
                return redirect(f"{reverse('reports:report_thanks')}?{urlencode({'about': item.about})}")
    else:
        item = _item(request.GET.get("about"))
        form = ReportForm(initial={"about": item.about})
    template = "reports/report_form.html#report-form" if request.htmx else "reports/report_form.html"
    return render(request, template, {"item": item, "form": form}, status=status)


@require_safe
def report_thanks(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request, "reports/report_form.html", {"item": _item(request.GET.get("about")), "sent": True}
    )
