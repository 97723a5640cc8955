"""The Review page, its settings, the header's due count and "I guessed" on a practice answer."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from learners.models import Learner
from quizzes.models import Attempt, Mode, Rating, ReviewCard, ReviewSettings

from .answers import right_answer_data
from .factories import ReviewCardFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def practise_one(client, *, guessed: bool) -> Attempt:
    client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    attempt = Attempt.objects.latest("started_at")
    question = attempt.slots.get(position=1).question
    data = right_answer_data(question) | ({"guessed": "on"} if guessed else {})
    client.post(reverse("quizzes:attempt_answer", args=[attempt.pk, 1]), data)
    return attempt


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(("guessed", "rating"), [(True, Rating.HARD), (False, Rating.GOOD)])
def test_a_practice_answer_marked_i_guessed_is_rated_hard(client, bank, guessed, rating):
    practise_one(client, guessed=guessed)
    assert ReviewCard.objects.get().logs.get().rating == rating


def test_the_review_page_with_nothing_recorded_explains_how_cards_arrive(client, db):
    response = client.get(reverse("prep:review_page"))
    assertContains(response, "Nothing due right now")
    assertContains(response, "You have no cards yet")


@time_machine.travel(NOON, tick=False)
def test_due_cards_show_in_the_header_and_start_a_review_sitting(client, bank):
    attempt = practise_one(client, guessed=False)
    learner = attempt.learner
    ReviewCardFactory(learner=learner, due=NOON - timedelta(days=2))
    response = client.get(reverse("lessons:lesson_list"))
    assertContains(
        response, '<span class="badge">1<span class="visually-hidden"> due</span></span>', html=True
    )
    assertContains(client.get(reverse("prep:review_page")), "Review 1 card, most overdue first")
    response = client.post(reverse("prep:review_start"))
    sitting = Attempt.objects.get(mode=Mode.REVIEW)
    assertRedirects(response, sitting.get_absolute_url(), fetch_redirect_response=False)
    assert sitting.total == 1
    assertContains(client.get(reverse("prep:review_page")), "Carry on reviewing (0 of 1 done)")


@time_machine.travel(NOON, tick=False)
def test_the_cached_nav_follows_the_due_count_and_the_page(client, bank):
    attempt = practise_one(client, guessed=False)
    history = reverse("quizzes:attempt_list")
    badge = '<span class="badge">{}<span class="visually-hidden"> due</span></span>'
    assertNotContains(client.get(history), 'class="badge"')
    ReviewCardFactory(learner=attempt.learner, due=NOON - timedelta(days=2))
    count_key = f"review:due:{attempt.learner_id}"  # the count is cached a minute per learner
    cache.delete(count_key)
    assertContains(client.get(history), badge.format(1), html=True)
    ReviewCardFactory(learner=attempt.learner, due=NOON - timedelta(days=1))
    cache.delete(count_key)
    response = client.get(history)
    assertContains(response, badge.format(2), html=True)
    assertContains(
        response, f'<a href="{reverse("quizzes:quiz_setup")}" aria-current="page">Quiz</a>', html=True
    )
    response = client.get(reverse("prep:review_page"))
    assertContains(response, f'<a href="{reverse("quizzes:quiz_setup")}">Quiz</a>', html=True)


def test_starting_a_review_with_nothing_due_says_so_and_creates_nothing(client, db):
    response = client.post(reverse("prep:review_start"), follow=True)
    assertContains(response, "Nothing to review yet.")
    assert not Attempt.objects.exists() and not Learner.objects.exists()


def test_review_settings_are_saved_for_the_learner(client, db):
    response = client.post(reverse("prep:review_settings"), {"retention": "0.85", "daily_cap": "12"})
    assertRedirects(response, reverse("prep:review_page"))
    found = ReviewSettings.objects.get()
    assert (found.retention, found.daily_cap) == (0.85, 12)
    assertContains(client.get(reverse("prep:review_page")), "of your 12 a day served")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"retention": "0.99", "daily_cap": "12"}, "less than or equal to 0.95"),
        ({"retention": "0.5", "daily_cap": "12"}, "greater than or equal to 0.8"),
        ({"retention": "0.9", "daily_cap": "0"}, "greater than or equal to 1"),
        ({"retention": "lots", "daily_cap": "5"}, "Enter a number"),
    ],
)
def test_bad_review_settings_are_refused_and_change_nothing(client, db, data, message):
    response = client.post(reverse("prep:review_settings"), data)
    assertContains(response, message)
    assert not ReviewSettings.objects.exists()


@pytest.mark.parametrize("htmx", [True, False])
def test_a_review_answer_shows_the_normal_feedback_in_place_with_htmx_or_on_the_page_without(
    client, bank, htmx
):
    attempt = practise_one(client, guessed=False)
    card = ReviewCardFactory(learner=attempt.learner, due=timezone.now() - timedelta(days=2))
    client.post(reverse("prep:review_start"))
    sitting = Attempt.objects.get(mode=Mode.REVIEW)
    question = sitting.slots.get(position=1).question
    url = reverse("quizzes:attempt_answer", args=[sitting.pk, 1])
    response = client.post(url, right_answer_data(question), headers={"HX-Request": "true"} if htmx else {})
    if htmx:
        assertContains(response, 'id="question-card"')
        assertNotContains(response, "<html")
    else:
        assertRedirects(
            response, reverse("quizzes:attempt_question", args=[sitting.pk, 1]), fetch_redirect_response=False
        )
        response = client.get(response.url)
        assertContains(response, "<html")
    assertContains(response, "verdict")
    assert sitting.responses.get().correct
    assert question == card.question
    card_after = ReviewCard.objects.get(pk=card.pk)
    assert card_after.reviews == card.reviews + 1 and card_after.due > timezone.now()
