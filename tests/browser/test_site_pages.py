import pytest
from playwright.sync_api import expect

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_is_usable_and_accessible(live_server, page):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who secures what on AWS?")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert page.evaluate("typeof htmx") == "object", "htmx did not load from our static files"
    assert_accessible(page)
    assert page.console_errors == []


def test_skip_link_moves_keyboard_focus_to_the_content(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_home_page_fits_a_360px_phone(live_server, page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_404_page_is_styled_and_accessible(live_server, page):
    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_url(live_server.url + "/")
    assert_accessible(page)


def test_admin_login_is_accessible(live_server, page):
    page.goto(live_server.url + "/admin/login/")
    expect(page.get_by_label("Username")).to_be_visible()
    assert_accessible(page)
