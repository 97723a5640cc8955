"""The glossary journey: a term linked from a lesson, its entry, and back to the lesson; the page on a phone."""

import re

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pack(live_server, real_pack):
    return live_server


def test_a_learner_follows_a_term_from_a_lesson_and_comes_back(pack, page):
    lesson = pack.url + "/lessons/service-categories/"
    page.goto(lesson)
    term = page.locator(".lesson-body a.term-link", has_text=re.compile("^hypervisor$", re.I)).first
    expect(term).to_have_attribute("title", re.compile("virtual machines"))
    term.focus()  # reachable by keyboard, followed with Enter
    page.keyboard.press("Enter")
    expect(page).to_have_url(pack.url + "/glossary/#term-hypervisor")
    entry = page.locator("#term-hypervisor")
    expect(entry).to_be_in_viewport()
    expect(entry.get_by_text("keeps them isolated")).to_be_visible()
    expect(entry.get_by_role("link", name=re.compile("Three service categories"))).to_be_visible()
    assert_accessible(page)
    page.go_back()
    expect(page).to_have_url(lesson)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("service categories", re.I))
    assert page.console_errors == []


def test_the_glossary_fits_a_phone_and_jumps_by_letter(pack, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(pack.url + "/glossary/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("navigation", name="Glossary letters").get_by_role("link", name="S", exact=True).click()
    expect(page).to_have_url(re.compile("/glossary/#letter-s$"))
    expect(page.get_by_role("heading", name="S", exact=True)).to_be_in_viewport()
    expect(page.locator("#term-sse")).to_contain_text("Server-side encryption")
    context.close()
