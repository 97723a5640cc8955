"""Staff review reports (accept or reject with a note) and see the content checked longest ago."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pytest_django.asserts import assertContains

from lessons.models import Owner
from lessons.tests.factories import DutyFactory, LayerFactory, MisconceptionFactory, service_with_matrix
from reports.models import Report, Status

from .factories import ReportFactory

pytestmark = pytest.mark.django_db


def test_the_queue_filters_by_status_and_staff_accept_with_a_note(admin_client):
    open_report = ReportFactory(message="RDS Custom for SQL Server has Multi-AZ.")
    ReportFactory(message="Already handled.", status=Status.REJECTED)
    queue = admin_client.get(reverse("admin:reports_report_changelist"), {"status__exact": "open"})
    assertContains(queue, "RDS Custom for SQL Server has Multi-AZ.")
    assert "Already handled." not in queue.content.decode()
    response = admin_client.post(
        reverse("admin:reports_report_change", args=[open_report.pk]),
        {"status": Status.ACCEPTED, "staff_note": "Cell condition fixed in content/services/rds.yaml."},
    )
    assert response.status_code == 302
    open_report.refresh_from_db()
    assert open_report.status == Status.ACCEPTED
    assert open_report.staff_note.startswith("Cell condition fixed")
    assert open_report.reviewed_at is not None


def test_staff_can_reject_several_reports_at_once(admin_client):
    reports = [ReportFactory(), ReportFactory()]
    admin_client.post(
        reverse("admin:reports_report_changelist"),
        {"action": "mark_rejected", "_selected_action": [r.pk for r in reports]},
    )
    assert set(Report.objects.values_list("status", flat=True)) == {Status.REJECTED}


def test_staff_cannot_invent_reports(admin_client):
    assert admin_client.get(reverse("admin:reports_report_add")).status_code == 403


def test_the_queue_shows_when_the_content_files_record_a_change_after_a_report(admin_client):
    report = ReportFactory(about="duty:rds-fixed")
    DutyFactory(slug="rds-fixed", changed_after_reports=[report.pk])
    ReportFactory(about="duty:untouched")
    html = admin_client.get(reverse("admin:reports_report_changelist")).content.decode()
    assert html.count('alt="True"') == 1


def test_the_admin_lists_the_content_checked_longest_ago(admin_client):
    layer = LayerFactory(slug="guest-os", name="Guest OS")
    ec2 = service_with_matrix([layer], [Owner.CUSTOMER], slug="ec2", name="Amazon EC2")
    ec2.cells.update(checked_on=datetime.date(2025, 1, 2))
    DutyFactory(statement="Fresh duty.", checked_on=datetime.date(2026, 11, 30))
    DutyFactory(statement="Stale duty.", checked_on=datetime.date(2025, 3, 4))
    MisconceptionFactory(myth="An old myth.", checked_on=datetime.date(2024, 5, 6))
    changelist = admin_client.get(reverse("admin:reports_report_changelist"))
    assertContains(changelist, reverse("admin:reports_report_stale"))
    html = admin_client.get(reverse("admin:reports_report_stale")).content.decode()
    assert html.index("Stale duty.") < html.index("Fresh duty.")
    assert "2025-03-04" in html and "2024-05-06" in html
    assert "Amazon EC2, Guest OS: Customer" in html and "2025-01-02" in html


def test_the_stale_list_needs_permission_to_view_content(client):
    user = get_user_model().objects.create_user("helper", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:reports_report_stale")).status_code == 403
