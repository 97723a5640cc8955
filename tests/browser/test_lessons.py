"""Learner journeys through the lesson pages, with and without JavaScript, plus print and presenter views."""

import re

import pytest
from playwright.sync_api import expect

from lessons.pack import read_pack

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The shipped pack grows as lessons are written; the journeys assert against its real size.
LESSONS = len(read_pack()["lessons"])


@pytest.fixture
def pack(live_server, real_pack):
    return live_server


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def test_learning_path_read_mark_done_and_see_progress(pack, page):
    page.goto(pack.url + "/lessons/")
    expect(page.get_by_text(f"0 of {LESSONS} lessons done")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Security of the cloud")).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark this lesson as done").click()
    done = page.get_by_text("You finished this lesson")
    expect(done).to_be_visible()
    expect(done).to_be_focused()  # focus lands on the news, not on a removed button
    page.get_by_role("link", name=re.compile("^Next:")).click()
    expect(page).to_have_url(re.compile("/lessons/control-types/$"))
    page.goto(pack.url + "/lessons/")
    expect(page.get_by_text(f"1 of {LESSONS} lessons done")).to_be_visible()
    expect(page.locator(".path-item.done")).to_have_count(1)
    assert page.console_errors == []


def test_learning_path_works_without_javascript(pack, no_js_page):
    page = no_js_page
    page.goto(pack.url + "/lessons/core-split/")
    page.get_by_role("button", name="Mark this lesson as done").click()
    expect(page).to_have_url(re.compile("/lessons/control-types/$"))
    page.goto(pack.url + "/lessons/")
    expect(page.get_by_text(f"1 of {LESSONS} lessons done")).to_be_visible()


def test_every_lesson_page_is_accessible(pack, page):
    page.goto(pack.url + "/lessons/")
    hrefs = page.locator(".path-item > a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) == LESSONS
    for href in hrefs:
        page.goto(pack.url + href)
        assert_accessible(page)
    assert page.console_errors == []


def test_compare_swaps_in_place_and_pushes_a_shareable_url(pack, page):
    page.goto(pack.url + "/compare/")
    page.get_by_label("Amazon EC2", exact=True).check()
    expect(page.get_by_text("Choose two to four services (you chose 1).")).to_be_visible()
    page.get_by_label("Amazon RDS", exact=True).check()
    expect(page.get_by_role("heading", name="Amazon EC2 vs Amazon RDS")).to_be_visible()
    expect(page).to_have_url(re.compile(r"services=ec2.*services=rds"))
    expect(page.locator("tr.row-changes").first).to_be_visible()
    assert_accessible(page)
    shared = page.url
    page.goto(shared)
    expect(page.get_by_role("heading", name="Amazon EC2 vs Amazon RDS")).to_be_visible()
    assert page.console_errors == []


def test_compare_works_without_javascript(pack, no_js_page):
    page = no_js_page
    page.goto(pack.url + "/compare/")
    page.get_by_label("Amazon S3", exact=True).check()
    page.get_by_label("AWS Lambda", exact=True).check()
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"/compare/\?services="))
    expect(page.get_by_role("heading", name=re.compile("vs"))).to_be_visible()


def test_duty_explorer_filters_and_searches(pack, page):
    page.goto(pack.url + "/duties/")
    assert_accessible(page)
    total = page.locator("#results-title").inner_text()
    page.get_by_label("Owner").select_option("AWS")
    expect(page.locator("#results-title")).not_to_have_text(total)
    expect(page).to_have_url(re.compile("owner=AWS"))
    page.get_by_label("Layer").select_option("customer-data")
    expect(page.get_by_text("No duty statement matches all of these filters")).to_be_visible()
    page.get_by_role("link", name="clear them all").click()
    page.get_by_label("Search").fill("hypervisor")
    expect(page.locator("#results-title")).to_contain_text("match")
    expect(page.locator(".duty").first).to_contain_text(re.compile("hypervisor", re.I))
    assert page.console_errors == []


def test_duty_explorer_without_javascript(pack, no_js_page):
    page = no_js_page
    page.goto(pack.url + "/duties/")
    page.get_by_label("Service").select_option("lambda")
    page.get_by_role("button", name="Show duties").click()
    expect(page).to_have_url(re.compile("service=lambda"))
    expect(page.locator(".duty").first).to_be_visible()


@pytest.mark.parametrize(
    "path",
    ["/matrix/", "/services/", "/services/ec2/", "/misconceptions/", "/compare/?services=ec2&services=s3"],
)
def test_pages_are_accessible_and_fit_a_phone(pack, page, path):
    page.goto(pack.url + path)
    assert_accessible(page)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(pack.url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"


def test_matrix_cell_reason_shows_on_focus(pack, page):
    page.goto(pack.url + "/matrix/")
    first = page.locator(".cell-owner").first
    first.focus()
    reason = page.locator(".cell-reason").first
    expect(reason).to_be_visible()
    page.keyboard.press("Escape")
    expect(reason).to_be_hidden()


def test_presenter_views_are_reachable_and_accessible(pack, page):
    page.goto(pack.url + "/matrix/")
    page.get_by_role("link", name="Presenter view").click()
    expect(page.locator("body.present")).to_be_visible()
    assert_accessible(page)
    page.goto(pack.url + "/services/lambda/")
    page.get_by_role("link", name="Presenter view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS Lambda")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/matrix/", "/services/ec2/", "/services/lambda/", "/services/rds/"])
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_matrix_and_service_stack_print_on_one_page(pack, page, path, paper):
    page.goto(pack.url + path)
    pdf = page.pdf(format=paper, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"{path} prints on {pages} {paper} pages"
