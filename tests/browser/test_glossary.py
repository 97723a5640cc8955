"""The glossary journey: a term linked from a lesson, its definition in a toggletip (keyboard, touch, no
JavaScript), its entry, and back to the lesson; the page on a phone."""

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


def _tip_for(page, name: str):
    """The toggletip button after a term's link, and the definition it opens."""
    button = page.locator(".lesson-body").get_by_role("button", name=f"Define {name}")
    return button, page.locator(f"#{button.get_attribute('popovertarget')}")


def test_a_keyboard_user_opens_a_definition_and_closes_it_with_escape(pack, page):
    page.goto(pack.url + "/lessons/service-categories/")
    button, tip = _tip_for(page, "Hypervisor")
    expect(tip).to_be_hidden()
    link = page.locator(".lesson-body a.term-link", has_text=re.compile("^hypervisor$", re.I)).first
    link.focus()
    page.keyboard.press("Tab")  # the link, then its toggletip
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("keeps them isolated")
    box, view = tip.bounding_box(), page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"]
    below = button.bounding_box()
    assert box["y"] >= below["y"] + below["height"] - 1, "the definition opens under its button"
    page.mouse.move(box["x"] + 10, box["y"] + 10)  # hovering it (WCAG 1.4.13) keeps it open
    expect(tip).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    expect(button).to_be_focused()
    # Its own Close button, reached by Tab from the button, closes it too.
    page.keyboard.press("Enter")
    expect(tip).to_be_visible()
    page.keyboard.press("Tab")
    expect(tip.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Enter")
    expect(tip).to_be_hidden()
    assert page.console_errors == []


def test_a_phone_user_taps_a_definition_open_and_away(pack, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(pack.url + "/lessons/core-split/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    buttons = page.locator(".lesson-body .term-tip-button")
    assert buttons.count() >= 5
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, "targets are 24 px at least (WCAG 2.5.8)"
    button = buttons.nth(buttons.count() - 1)  # one near the right edge or the end: the hardest to place
    tip = page.locator(f"#{button.get_attribute('popovertarget')}")
    button.tap()
    expect(tip).to_be_visible()
    box = tip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("h1").tap()  # a tap elsewhere dismisses it
    expect(tip).to_be_hidden()
    context.close()


def test_without_javascript_the_definition_opens_and_the_link_reaches_the_entry(pack, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(pack.url + "/lessons/service-categories/")
    button, tip = _tip_for(page, "Hypervisor")
    button.click()  # the popover attribute needs no script
    expect(tip).to_be_visible()
    tip.get_by_role("button", name="Close").click()
    expect(tip).to_be_hidden()
    page.emulate_media(media="print")  # a printed lesson has no "?" buttons
    expect(button).to_be_hidden()
    page.emulate_media(media="screen")
    page.locator(".lesson-body a.term-link", has_text=re.compile("^hypervisor$", re.I)).first.click()
    expect(page).to_have_url(pack.url + "/glossary/#term-hypervisor")
    expect(page.locator("#term-hypervisor")).to_be_in_viewport()
    context.close()
