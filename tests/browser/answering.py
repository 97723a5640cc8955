"""Answering whatever question a card shows, for journeys that care about the flow rather than the answer."""

from playwright.sync_api import expect


def answer_shown(card) -> None:
    """Pick the first choice of every select (matrix, sort) or the first option, check it, see the verdict."""
    selects = card.locator("select")
    if selects.count():
        for i in range(selects.count()):
            selects.nth(i).select_option(index=1)
    else:
        card.locator("label").first.click()
    card.get_by_role("button", name="Check answer").click()
    expect(card.locator(".verdict")).to_be_visible()
