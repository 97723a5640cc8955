"""Reporting a problem from a service page: with JavaScript (htmx swap) and without."""

import re

import pytest
from playwright.sync_api import expect

from lessons.models import Owner
from lessons.tests.factories import DutyFactory, LayerFactory, service_with_matrix
from reports.models import Report

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ec2(live_server):
    layer = LayerFactory(slug="guest-os", name="Guest OS")
    service = service_with_matrix([layer], [Owner.CUSTOMER], slug="ec2", name="Amazon EC2")
    DutyFactory(slug="ec2-patch", statement="Patch the guest OS.", layer=layer, services=[service])
    return live_server.url + service.get_absolute_url()


def report_from_service_page(page, url, *, axe=True):
    page.goto(url)
    expect(page.get_by_text("checked 2026-11").first).to_be_visible()
    page.get_by_role("link", name="Report a problem with Amazon EC2").click()
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    if axe:  # axe runs as page script, so only with JavaScript on
        assert_accessible(page)
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("Say what is wrong, in a sentence or two.")).to_be_visible()
    page.get_by_label("What is wrong?").fill("The guest OS cell cites the wrong page.")
    page.get_by_label(re.compile("Link to the AWS page")).fill(
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/"
    )
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text(re.compile("^Thank you: your report is stored"))).to_be_visible()
    if axe:
        assert_accessible(page)
    assert not page.console_errors
    assert Report.objects.get().about == "service:ec2"


def test_report_a_problem_with_javascript(ec2, page):
    report_from_service_page(page, ec2)
    expect(page).to_have_url(re.compile(r"/report/\?about=service%3Aec2$"))  # swapped in place


def test_report_a_problem_without_javascript(ec2, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.console_errors = []
    report_from_service_page(page, ec2, axe=False)
    expect(page).to_have_url(re.compile(r"/report/thanks/\?about=service%3Aec2$"))
    context.close()
