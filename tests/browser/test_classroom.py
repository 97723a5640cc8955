"""A whole live class in the browser: a host and three learners, each in their own browser context.

One learner reloads mid-question and keeps the seat and score; one has JavaScript off (meta refresh and
plain form posts). axe checks every classroom page, the learners' pages at 360 px.
"""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from classroom.models import Answer, Seat
from learners.tests.factories import UserFactory
from lessons.models import Owner
from lessons.tests.factories import DutyFactory
from quizzes.models import Kind
from quizzes.tests.factories import OwnerQuestionFactory, SingleQuestionFactory

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
PROJECTOR = {"width": 1024, "height": 768}
SLOW = 12_000  # a JavaScript-off phone sees changes at its next meta refresh (every 3 s)


def watch(page):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return page


def host_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=PROJECTOR, base_url=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return watch(context.new_page())


def phone(browser, live_server, *, javascript=True):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, java_script_enabled=javascript)
    return watch(context.new_page())


def join(page, code, nickname, *, check=False):
    page.goto(f"/join/?code={code}")
    if check:
        assert_accessible(page)
    page.get_by_label("Nickname").fill(nickname)
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"You’re in, {nickname}")


def test_a_whole_live_class(live_server, browser):
    for n in range(2):
        OwnerQuestionFactory(
            duty=DutyFactory(owner=Owner.CUSTOMER, statement=f"Encrypt the data in bucket {n}.")
        )
    host = host_page(browser, live_server, UserFactory())
    host.on("dialog", lambda dialog: dialog.accept())

    host.goto("/classroom/")
    assert_accessible(host)
    host.get_by_label("Everyone", exact=True).check()
    expect(host.get_by_label("Close answers when everyone in the class has answered")).to_be_checked()
    host.get_by_role("button", name="Create the class").click()
    code = host.locator(".big-code").inner_text()
    assert re.fullmatch(r"\d{6}", code)
    expect(host.locator(".qr svg")).to_be_visible()
    assert_accessible(host)

    ada, bea, cy = (
        phone(browser, live_server),
        phone(browser, live_server),
        phone(browser, live_server, javascript=False),
    )
    join(ada, code, "Ada", check=True)
    assert_accessible(ada)  # the lobby
    expect(ada.locator(".site-nav")).to_be_hidden()  # in class the phone shows only the class
    join(bea, code, "Bea")
    join(cy, code, "Cy")
    expect(host.get_by_role("heading", name="3 joined")).to_be_visible()

    # Question 1: the host starts by keyboard; every phone shows it within a poll or a refresh.
    host.keyboard.press("s")
    expect(host.locator(".host-prompt")).to_contain_text("bucket")
    assert_accessible(host)
    expect(ada.get_by_role("button", name="The customer", exact=True)).to_be_visible()
    assert_accessible(ada)
    ada.get_by_role("button", name="The customer", exact=True).click()
    expect(ada.get_by_role("heading", level=1)).to_have_text("Answer received")

    bea.reload()  # the phone slept mid-question: same seat, question still open
    expect(bea.get_by_text("Bea")).to_be_visible()
    bea.get_by_role("button", name="The customer", exact=True).click()
    expect(bea.get_by_role("heading", level=1)).to_have_text("Answer received")

    expect(cy.get_by_role("button", name="AWS", exact=True)).to_be_visible(timeout=SLOW)
    cy.get_by_role("button", name="AWS", exact=True).click()  # a plain form post
    expect(cy.get_by_role("heading", level=1)).to_have_text("Answer received")

    expect(host.get_by_text("Answered 3 of 3")).to_be_visible()
    expect(host.locator(".q-count")).to_contain_text("Answers closed")  # auto-close: everyone answered
    host.keyboard.press("r")
    bars = host.locator(".bars")
    expect(bars).to_contain_text("2 · 67%")
    expect(bars).to_contain_text("1 · 33%")
    expect(bars.locator(".bar-right")).to_contain_text("The customer")
    expect(bars.locator(".bar-right")).to_contain_text("right answer")
    assert_accessible(host)

    expect(ada.locator(".verdict")).to_contain_text("Right")
    assert_accessible(ada)
    expect(cy.locator(".verdict")).to_contain_text("Not this time", timeout=SLOW)
    expect(cy.get_by_text("Right answer: The customer")).to_be_visible()

    # Question 2: Bea reloads after answering and still has her answer and, after the reveal, her score.
    host.get_by_role("button", name=re.compile("Next question")).click()
    expect(host.get_by_text("Question 2 of 2")).to_be_visible()
    expect(ada.get_by_role("button", name="The customer", exact=True)).to_be_visible()
    ada.get_by_role("button", name="AWS", exact=True).click()
    bea.get_by_role("button", name="The customer", exact=True).click()
    expect(bea.get_by_role("heading", level=1)).to_have_text("Answer received")
    bea.reload()
    expect(bea.get_by_role("heading", level=1)).to_have_text("Answer received")
    expect(bea.get_by_text("You answered: The customer")).to_be_visible()
    expect(cy.get_by_role("button", name="The customer", exact=True)).to_be_visible(timeout=SLOW)
    cy.get_by_role("button", name="The customer", exact=True).click()
    expect(host.get_by_text("Answered 3 of 3")).to_be_visible()
    expect(host.locator(".q-count")).to_contain_text("Answers closed")
    host.keyboard.press("r")
    expect(host.locator(".bars")).to_be_visible()
    bea.reload()
    expect(bea.locator(".standing")).to_contain_text("Your score: 2 (2 right) · rank 1 of 3")

    host.keyboard.press("e")  # confirmed in the dialog
    expect(host.get_by_role("heading", name="Class over")).to_be_visible()
    expect(host.locator(".leaderboard")).to_contain_text("Bea")
    assert_accessible(host)
    expect(ada.get_by_role("heading", level=1)).to_contain_text("Class over")
    assert_accessible(ada)

    host.get_by_role("link", name="Open the report").click()
    expect(host.get_by_role("heading", level=1)).to_contain_text("Report")
    scores = host.get_by_role("table", name="Per nickname, best first")
    expect(scores).to_contain_text("Bea")
    assert_accessible(host)

    cy.get_by_role("link", name="Practise these questions again on your own").click()
    expect(cy.get_by_role("heading", level=1)).to_contain_text("Homework")
    ada.get_by_role("link", name="Practise these questions again on your own").click()
    expect(ada.get_by_role("heading", level=1)).to_contain_text("Homework")
    assert_accessible(ada)

    assert Answer.objects.count() == 6
    assert Seat.objects.count() == 3
    for page in (host, ada, bea, cy):
        assert page.console_errors == []


def test_the_projector_keeps_a_long_question_on_screen_and_c_then_r_reveals(live_server, browser):
    """At 1024x768 a long five-option question still shows its options, the live count, the timer and the
    controls without scrolling; pressing C then R at once (before the first answer is back) reveals."""
    from classroom import live as classroom

    user = UserFactory()
    options = [
        (f"A long option number {n} that takes most of a line on the projector", n < 2) for n in range(5)
    ]
    question = SingleQuestionFactory(
        kind=Kind.MULTIPLE,
        prompt="A healthcare company uses customer managed keys in AWS KMS, one of them with key material it"
        " imported from its own hardware. Which TWO tasks are the company's? (Select TWO.)",
        options=options,
    )
    session = classroom.create_session(
        user, title="Long", topic="picked", chosen=[question], seconds_per_question=60
    )
    host = host_page(browser, live_server, user)
    host.goto(f"/classroom/{session.pk}/host/")
    host.keyboard.press("s")
    expect(host.locator(".host-options li")).to_have_count(5)
    for part in (".answered-count", ".q-status .timer", ".host-options li >> nth=4", ".host-controls"):
        expect(host.locator(part)).to_be_in_viewport(ratio=1)
    host.keyboard.press("c")
    host.keyboard.press("r")
    expect(host.locator(".bars")).to_be_visible()
    expect(host.locator(".bar-right")).to_have_count(2)
    assert host.console_errors == []
