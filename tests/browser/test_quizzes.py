"""Whole quizzes in the browser: by keyboard alone, by mouse, and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from quizzes.models import Attempt, Kind, Question

from .answering import answer_shown
from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pack(live_server, real_pack):
    return live_server


def start_quiz(page, url, topic="everything", length="5"):
    page.goto(f"{url}/quizzes/?topic={topic}&length={length}")
    assert_accessible(page)
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_text(re.compile(r"Question 1 of \d+"))).to_be_visible()


def card(page):
    return page.locator("#question-card")


def test_whole_quiz_by_keyboard_alone(pack, page):
    start_quiz(page, pack.url)
    assert_accessible(page)
    for number in range(1, 6):
        expect(card(page)).to_contain_text(f"Question {number} of 5")
        selects = card(page).locator("select")
        options = card(page).locator("input[type=radio], input[type=checkbox]")
        first = selects.first if selects.count() else options.first
        if number == 1:
            first.focus()  # a whole page: focus starts at the top (a keyboard learner tabs in)
        else:
            # "Next question" swapped the card in with focus on its first control.
            expect(first).to_be_focused()
        if selects.count():
            for _ in range(selects.count()):
                page.keyboard.press("ArrowDown")  # choose the first owner in each select
                page.keyboard.press("Tab")
            page.keyboard.press("Enter")  # on the Check answer button
        else:
            page.keyboard.press("1")
            expect(options.first).to_be_checked()
            page.keyboard.press("Enter")
        verdict = card(page).locator(".verdict")
        expect(verdict).to_be_visible()
        if number == 1:
            assert_accessible(page)  # the feedback state
        next_step = card(page).get_by_role("link", name=re.compile("Next question|See your results"))
        expect(next_step).to_be_focused()
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results")
    assert_accessible(page)
    assert page.console_errors == []


# Records, as each new card enters the page (a mutation record, read before any later task such as a key
# press), whether focus is already where the learner needs it: the autofocus element, or a select question's
# first select. htmx wires a swapped-in card (hx-post, autofocus) when the swap settles; with a settle delay
# that comes in a later task, and a key pressed in between reached a form htmx had not taken over: a native
# submit, a whole page, focus lost (seen under load).
WATCH_SWAPS = """() => {
  window.swapChecks = [];
  let last = document.getElementById("question-card");
  new MutationObserver(() => {
    const card = document.getElementById("question-card");
    if (!card || card === last) return;
    last = card;
    const wanted = card.querySelector("[autofocus]") || card.querySelector("[data-quiz-form] select");
    window.swapChecks.push(!!wanted && document.activeElement === wanted);
  }).observe(document.querySelector(".live-wrap"), {childList: true});
}"""


def test_focus_is_in_each_swapped_card_as_soon_as_it_is_shown(pack, page):
    start_quiz(page, pack.url)
    page.evaluate(WATCH_SWAPS)
    for number in range(1, 3):
        expect(card(page)).to_contain_text(f"Question {number} of 5")
        answer_shown(card(page))
        expect(card(page).locator(".verdict")).to_be_visible()
        card(page).get_by_role("link", name="Next question").click()
    expect(card(page)).to_contain_text("Question 3 of 5")
    assert page.evaluate("window.swapChecks") == [True] * 4  # two answers, two next questions


def test_whole_quiz_by_mouse_then_retry_the_missed_ones(pack, page):
    start_quiz(page, pack.url, length="5")
    for number in range(1, 6):
        expect(card(page)).to_contain_text(f"Question {number} of 5")
        answer_shown(card(page))
        card(page).get_by_role("link", name=re.compile("Next question|See your results")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results")
    if page.get_by_role("button", name="Retry the ones I missed").count():
        page.get_by_role("button", name="Retry the ones I missed").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Retry")
    page.goto(pack.url + "/quizzes/history/")
    expect(page.get_by_role("table")).to_contain_text("Everything")
    assert_accessible(page)


def test_answer_key_is_not_in_the_page_before_answering(pack, page):
    start_quiz(page, pack.url, topic="everything", length="20")
    attempt = Attempt.objects.get()
    for slot in attempt.slots.select_related("question__duty"):
        question = slot.question
        page.goto(f"{pack.url}/quizzes/attempts/{attempt.pk}/{slot.position}/")
        html = page.content()
        assert "verdict" not in html
        if question.kind == Kind.OWNER:
            assert question.duty.explanation not in html
        if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
            assert question.explanation not in html
            for option in question.options.all():
                assert option.explanation not in html


def test_quiz_works_without_javascript(pack, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{pack.url}/quizzes/?topic=misconceptions&length=5")
    page.get_by_role("button", name="Start the quiz").click()
    for _ in range(5):
        card(page).locator("label").first.click()
        card(page).get_by_role("button", name="Check answer").click()
        expect(card(page).locator(".verdict")).to_be_visible()
        card(page).get_by_role("link", name=re.compile("Next question|See your results")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results")
    context.close()


def test_lesson_ends_with_a_quiz_on_what_it_and_earlier_lessons_teach(pack, page):
    page.goto(pack.url + "/lessons/infrastructure-services/")
    page.get_by_role("button", name="Take the lesson quiz").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Infrastructure services")
    attempt = Attempt.objects.get()
    assert attempt.topic == "lesson:infrastructure-services"
    taught = Question.objects.for_topic("lesson:infrastructure-services")
    assert attempt.total == 5
    assert all(taught.filter(pk=s.question_id).exists() for s in attempt.slots.all())
