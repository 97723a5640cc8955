"""The admin pages staff use to edit content and review problem reports, checked with axe like the
learners' pages."""

import pytest
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import expect

from reports.tests.factories import ReportFactory

from .axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT_APPS = {"lessons", "quizzes", "reports"}


def _content_admin_pages(user) -> list[str]:
    """Each content model's changelist, add form and the change form of its first row (the admin's own
    permissions decide which exist), for every model registered now: a new one is covered without edits."""
    from django.test import RequestFactory

    from quizzes.models import Origin, Question

    request = RequestFactory().get("/admin/")
    request.user = user
    paths = [reverse("admin:index"), reverse("admin:reports_report_stale")]
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        opts = model._meta
        if opts.app_label not in CONTENT_APPS or opts.model_name == "attempt":
            continue
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        paths.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(request):
            paths.append(reverse(f"{prefix}_add"))
        rows = model.objects.order_by("pk")
        if model is Question:  # generated questions are view-only: an authored one has the real form
            rows = rows.filter(origin=Origin.AUTHORED)
        first = rows.first()
        if first is not None:
            paths.append(reverse(f"{prefix}_change", args=[first.pk]))
    return paths


def test_every_content_admin_page_is_accessible(live_server, real_pack, page):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("editor", "e@example.com", "pw-tests-only-29")
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("pw-tests-only-29")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    ReportFactory(about="service:ec2", about_text="Amazon EC2")  # a report to open in the review queue
    paths = _content_admin_pages(user)
    assert len(paths) > 30, paths
    failures = {}
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        report = blocking_violations(page)
        if report:
            failures[path] = report
    assert not failures, "\n".join(f"{path}\n{report}" for path, report in failures.items())
    assert page.console_errors == []
