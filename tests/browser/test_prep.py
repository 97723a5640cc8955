"""Exam preparation in the browser: a whole exam by keyboard, the exam without JavaScript, the review queue,
and My progress on a phone, with axe on every page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from quizzes.models import Attempt, Mode, ReviewCard

from .answering import answer_shown
from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pack(live_server, real_pack):
    return live_server


def start_exam(page, url, *, axe=True):
    page.goto(f"{url}/exam/")
    if axe:  # axe runs as script: not in a page without JavaScript
        assert_accessible(page)
    expect(page.get_by_text("not a full mock exam")).to_be_visible()
    page.get_by_role("button", name="Start the exam").click()
    expect(page.get_by_text(re.compile(r"Question 1 of 20\."))).to_be_visible()


def test_whole_exam_by_keyboard_with_flag_navigator_review_and_submit(pack, page):
    start_exam(page, pack.url)
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^2[78]:\d\d$"))
    assert_accessible(page)
    page.get_by_role("button", name="Hide timer").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-timer]")).to_be_hidden()
    expect(page.get_by_role("button", name="Show timer")).to_be_visible()
    page.locator("form [name=choice], form [name=choices]").first.focus()
    first_url = page.url
    nav = page.get_by_role("navigation", name="Questions")
    for number in range(1, 4):
        expect(page.get_by_text(f"Question {number} of 20.")).to_be_visible()
        expect(page).to_have_url(first_url.replace("/1/", f"/{number}/"))
        expect(page).to_have_title(re.compile(rf"^Question {number} of 20: "))
        # htmx swapped the question in place: focus is already on its first option.
        option = page.locator("form [name=choice], form [name=choices]").first
        expect(option).to_be_focused()
        page.keyboard.press("1")
        if number == 2:
            page.get_by_label("Flag this question to come back to it").focus()
            page.keyboard.press("Space")  # saved at once: the navigator shows it before moving on
            expect(nav.get_by_role("button", name="Question 2: unanswered, flagged")).to_be_visible()
        page.keyboard.press("Enter")  # the form's first button: save and next
    expect(page.get_by_text("Question 4 of 20.")).to_be_visible()
    expect(page.locator(".verdict")).to_have_count(0)  # no feedback during the exam
    expect(nav.get_by_role("button", name="Question 2: answered, flagged")).to_be_visible()
    nav.get_by_role("button", name="Question 1: answered").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Question 1 of 20.")).to_be_visible()
    expect(page).to_have_url(first_url)
    expect(page.locator("form [name=choice]:checked, form [name=choices]:checked").first).to_be_attached()
    # Back goes to the question before (question 4, from the navigator), loaded afresh with the clock running.
    page.go_back()
    expect(page.get_by_text("Question 4 of 20.")).to_be_visible()
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^2[678]:\d\d$"))
    page.go_forward()
    expect(page.get_by_text("Question 1 of 20.")).to_be_visible()
    page.get_by_role("button", name="Save and review all answers").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="17 unanswered")).to_be_visible()
    expect(page.get_by_role("heading", name="1 flagged")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit the exam").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exam results")
    expect(page.locator(".score-line")).to_contain_text(re.compile(r"\d+% right"))
    expect(page.get_by_role("img", name=re.compile("Your exams over time"))).to_be_visible()
    expect(page.locator(".verdict")).to_have_count(20)
    assert_accessible(page)
    assert page.console_errors == []


def test_the_exam_without_javascript_shows_the_deadline_and_works_with_plain_forms(pack, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    start_exam(page, pack.url, axe=False)
    expect(page.get_by_text(re.compile(r"This exam ends at \d\d:\d\d UTC"))).to_be_visible()
    expect(page.locator("[data-timer-wrap]")).to_be_hidden()
    page.locator("form [name=choice], form [name=choices]").first.check()
    page.get_by_role("button", name="Save and next question").click()
    expect(page.get_by_text("Question 2 of 20.")).to_be_visible()
    page.get_by_role("button", name="Save and review all answers").click()
    expect(page.get_by_role("heading", name="19 unanswered")).to_be_visible()
    page.get_by_role("button", name="Submit the exam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exam results")
    assert Attempt.objects.get(mode=Mode.EXAM).answered_count == 1
    # On a phone every page of the exam fits: the readiness tables become one card per topic.
    expect(page.locator("table.readiness tbody tr").first).to_have_css("display", "block")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_the_review_queue_serves_due_cards_with_the_normal_feedback(pack, page):
    page.goto(f"{pack.url}/quizzes/?topic=everything&length=5")
    page.get_by_role("button", name="Start the quiz").click()
    for number in (1, 2):
        card = page.locator("#question-card")
        expect(card).to_contain_text(f"Question {number} of 5")
        answer_shown(card)
        card.get_by_role("link", name="Next question").click()
    ReviewCard.objects.update(due=timezone.now() - timedelta(days=1))
    cache.clear()  # the header's count is cached for a minute; a day passing would have refreshed it
    page.goto(f"{pack.url}/review/")
    expect(page.get_by_role("link", name="Review 2 due")).to_be_visible()
    expect(page.get_by_role("heading", name="2 cards due")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Review 2 cards, most overdue first").click()
    card = page.locator("#question-card")
    expect(card).to_contain_text("Question 1 of 2")
    answer_shown(card)
    assert_accessible(page)
    page.goto(f"{pack.url}/review/")
    expect(page.get_by_text("Carry on reviewing (1 of 2 done)")).to_be_visible()
    assert page.console_errors == []


def test_my_progress_fits_a_phone(pack, page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{pack.url}/quizzes/?topic=everything&length=5")
    page.get_by_role("button", name="Start the quiz").click()
    card = page.locator("#question-card")
    card.locator("input[type=radio], input[type=checkbox], select").first.focus()
    page.goto(f"{pack.url}/progress/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My progress")
    expect(page.get_by_role("heading", name="By layer and service category")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    assert page.console_errors == []


def test_the_timer_counts_the_servers_deadline_and_announces_10_5_and_1_minutes_left_even_hidden(pack, page):
    start_exam(page, pack.url, axe=False)
    attempt = Attempt.objects.get(mode=Mode.EXAM)
    # The server moves the deadline to 12 minutes from now; the browser's own clock says 2031.
    attempt.deadline = timezone.now() + timedelta(minutes=12)
    attempt.save(update_fields=["deadline"])
    page.clock.install(time=datetime(2031, 6, 1, 8, 0, tzinfo=UTC))
    page.reload()
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^11:[45]\d$"))
    announce = page.locator("[data-timer-announce]")
    expect(announce).to_have_attribute("role", "status")
    expect(announce).to_have_text("")
    page.get_by_role("button", name="Hide timer").click()
    expect(page.locator("[data-timer]")).to_be_hidden()
    left = int(page.locator("[data-exam-clock]").get_attribute("data-seconds-left"))

    def at(seconds_left: int):
        nonlocal left
        page.clock.fast_forward((left - seconds_left) * 1000)
        left = seconds_left

    at(605)
    expect(announce).to_have_text("")
    at(595)
    expect(announce).to_have_text("10 minutes left in the exam.")
    at(305)
    expect(announce).to_have_text("10 minutes left in the exam.")
    at(295)
    expect(announce).to_have_text("5 minutes left in the exam.")
    at(59)
    expect(announce).to_have_text("1 minute left in the exam.")
    expect(page.locator("[data-timer]")).to_be_hidden()
    # The button's name says what it does; no aria-pressed, which would read "Show timer, pressed".
    expect(page.get_by_role("button", name="Show timer")).not_to_have_attribute(
        "aria-pressed", re.compile(".*")
    )
    assert page.console_errors == []
