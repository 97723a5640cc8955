"""Taking a quiz over plain HTML and htmx: integrity, bad input, ownership and the answer key kept secret."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from quizzes.models import Attempt, Kind, Question, Response

from .answers import right_answer_data, wrong_answer_data
from .factories import SingleQuestionFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def start(client, topic="everything", length=5) -> Attempt:
    response = client.post(reverse("quizzes:quiz_start"), {"topic": topic, "length": length})
    attempt = Attempt.objects.latest("started_at")
    assertRedirects(response, attempt.get_absolute_url(), fetch_redirect_response=False)
    return attempt


def question_url(attempt, n=1):
    return reverse("quizzes:attempt_question", args=[attempt.pk, n])


def answer_url(attempt, n=1):
    return reverse("quizzes:attempt_answer", args=[attempt.pk, n])


def test_setup_page_builds_a_shareable_url(client, bank):
    response = client.get(reverse("quizzes:quiz_setup"), {"topic": "service:ec2", "length": 20})
    assertContains(response, "Amazon EC2: 20 questions")
    assertContains(response, "?topic=service%3Aec2&amp;length=20")


def test_setup_rejects_a_tampered_topic(client, bank):
    response = client.post(reverse("quizzes:quiz_start"), {"topic": "everything'--", "length": 5})
    assertContains(response, "Select a valid choice")
    assert not Attempt.objects.exists()


def test_starting_a_quiz_draws_the_asked_number_of_questions(client, bank):
    # The small bank has only a handful of subjects (no quiz repeats one), so ask for five.
    attempt = start(client, length=5)
    assert attempt.slots.count() == attempt.total == 5
    assertRedirects(client.get(attempt.get_absolute_url()), question_url(attempt))


def test_question_page_never_contains_the_answer_key(client, db):
    question = SingleQuestionFactory(
        options=[("Only the customer", True), ("Only AWS", False), ("Both of them", False)],
        explanation="SECRET-EXPLANATION",
    )
    attempt = start(client, length=5)
    html = client.get(question_url(attempt)).content.decode()
    assert "Only the customer" in html
    assert "SECRET-EXPLANATION" not in html
    assert "correct" not in html.lower().replace("correct answer", "")
    for option in question.options.all():
        assert option.explanation not in html


def test_owner_question_page_does_not_reveal_the_owner(client, bank):
    question = Question.objects.filter(kind=Kind.OWNER, duty__owner="Shared").first()
    attempt = start(client, length=5)
    attempt.slots.all().delete()
    attempt.slots.create(question=question, position=1)
    html = client.get(question_url(attempt)).content.decode()
    assert question.duty.explanation not in html
    assert "checked" not in html


def test_plain_answer_redirects_to_feedback_and_htmx_gets_the_fragment(client, bank):
    attempt = start(client, length=5)
    slot = attempt.slots.get(position=1)
    response = client.post(answer_url(attempt), right_answer_data(slot.question))
    assertRedirects(response, question_url(attempt))
    feedback = client.get(question_url(attempt))
    assertContains(feedback, "Correct")
    assertContains(feedback, "Question 1 of 5")

    slot2 = attempt.slots.get(position=2)
    response = client.post(answer_url(attempt, 2), right_answer_data(slot2.question), headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="question-card"' in html and "<html" not in html
    assert "Correct" in html
    assert "autofocus" in html, "focus moves to the next step after the swap"


def test_wrong_answer_shows_the_right_one_and_the_explanation(client, bank):
    attempt = start(client, topic="everything", length=5)
    question = Question.objects.get(slug=f"owner-{bank['duties'][4].slug}")  # Customer duty with a myth
    attempt.slots.all().delete()
    attempt.slots.create(question=question, position=1)
    client.post(answer_url(attempt), {"choice": "AWS"})
    page = client.get(question_url(attempt))
    assertContains(page, "Not quite")
    assertContains(page, "<strong>Right answer:</strong> The customer", html=True)
    assertContains(page, question.duty.explanation)
    assertContains(page, "A common misconception")
    assertContains(page, "You patch it.")


def test_double_submit_records_one_response_and_says_so(client, bank):
    attempt = start(client, length=5)
    data = right_answer_data(attempt.slots.get(position=1).question)
    client.post(answer_url(attempt), data)
    response = client.post(answer_url(attempt), data, headers=HX)
    assertContains(response, "You already answered this question")
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_empty_or_tampered_answers_change_nothing(client, bank):
    attempt = start(client, length=5)
    response = client.post(answer_url(attempt), {}, headers=HX)
    assert response.status_code == 200
    assert re.search(r"Choose (an answer|an owner|at least one)", response.content.decode())
    client.post(answer_url(attempt), {"choice": "Amazon", "choices": ["999999"], "cell-x": "AWS"})
    assert not Response.objects.exists()


def test_answer_needs_post_and_csrf(bank):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("quizzes:quiz_setup"))
    token = client.cookies.get("csrftoken")
    client.post(
        reverse("quizzes:quiz_start"),
        {"topic": "everything", "length": 5, "csrfmiddlewaretoken": token.value},
    )
    attempt = Attempt.objects.get()
    assert client.post(answer_url(attempt), {"choice": "AWS"}).status_code == 403
    assert client.get(answer_url(attempt)).status_code == 405
    assert not Response.objects.exists()


def test_another_learners_attempt_cannot_be_read_or_answered(client, bank):
    attempt = start(client, length=5)
    stranger = Client()
    assert stranger.get(question_url(attempt)).status_code == 404
    assert stranger.post(answer_url(attempt), {"choice": "AWS"}).status_code == 404
    assert stranger.get(reverse("quizzes:attempt_results", args=[attempt.pk])).status_code == 404
    assert not Response.objects.exists()


def test_an_expired_or_foreign_quiz_explains_itself(client, bank):
    attempt = start(client, length=5)
    client.logout()  # flushes the session, as an expired session would
    response = client.get(question_url(attempt))
    assertContains(response, "This quiz is not available in this browser", status_code=404)
    assertContains(response, "start a new quiz", status_code=404)
    htmx = client.post(answer_url(attempt), {"choice": "AWS"}, headers=HX)
    assert htmx.status_code == 200 and htmx["HX-Refresh"] == "true"
    assert not Response.objects.exists()


def test_question_numbers_outside_the_quiz_are_404(client, bank):
    attempt = start(client, length=5)
    assert client.get(question_url(attempt, 6)).status_code == 404


def finish(client, attempt, wrong=()):
    for slot in attempt.slots.all():
        answer = wrong_answer_data if slot.position in wrong else right_answer_data
        client.post(answer_url(attempt, slot.position), answer(slot.question))


def test_results_show_score_breakdowns_missed_questions_and_retry(client, bank):
    attempt = start(client, length=5)
    finish(client, attempt, wrong=(2, 4))
    response = client.get(reverse("quizzes:attempt_results", args=[attempt.pk]))
    assertContains(response, "3 of 5 questions right")
    assertContains(response, "By layer")
    assertContains(response, "By category")
    assertContains(response, "Questions to review (2)")
    retry = client.post(reverse("quizzes:attempt_retry", args=[attempt.pk]))
    new = Attempt.objects.latest("started_at")
    assertRedirects(retry, new.get_absolute_url(), fetch_redirect_response=False)
    assert new.retry_of == attempt
    missed = {s.question_id for s in attempt.slots.filter(position__in=(2, 4))}
    assert {s.question_id for s in new.slots.all()} == missed


def test_cached_results_follow_each_answer_and_a_content_change(client, bank):
    from lessons import documents

    attempt = start(client, length=5)
    results = reverse("quizzes:attempt_results", args=[attempt.pk])
    slots = list(attempt.slots.select_related("question"))
    client.post(answer_url(attempt, 1), right_answer_data(slots[0].question))
    assertContains(client.get(results), "you answered 1 of 5")
    assertContains(client.get(results), "you answered 1 of 5")  # from the cache
    client.post(answer_url(attempt, 2), wrong_answer_data(slots[1].question))
    page = client.get(results)
    assertContains(page, "1 of 5 questions right")
    assertContains(page, "you answered 2 of 5")
    assertContains(page, "Retry the 4 I missed")
    Question.objects.filter(pk=slots[4].question_id).update(retired=True)  # as a content reload does
    documents.content_changed()
    assertContains(client.get(results), "Retry the 3 I missed")  # the unanswered retired question is skipped


def test_history_lists_the_learners_attempts(client, bank):
    attempt = start(client, length=5)
    assertContains(client.get(reverse("quizzes:attempt_list")), attempt.title)
    assertNotContains(Client().get(reverse("quizzes:attempt_list")), attempt.title)


def test_attempts_survive_signing_up(client, bank):
    from learners.tests.factories import PASSWORD

    attempt = start(client, length=5)
    client.post(reverse("learners:signup"), {"username": "ada", "password1": PASSWORD, "password2": PASSWORD})
    attempt.refresh_from_db()
    assert attempt.learner.user.username == "ada"
    assert client.get(question_url(attempt)).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real concurrent transactions (runs on PostgreSQL in CI)"
)
def test_two_simultaneous_submissions_record_one_response(bank):
    client = Client()
    attempt = start(client, length=5)
    data = right_answer_data(attempt.slots.get(position=1).question)
    cookies = client.cookies
    barrier = threading.Barrier(2)
    statuses = []

    def submit():
        from django.db import connections

        other = Client()
        other.cookies = cookies
        barrier.wait()
        statuses.append(other.post(answer_url(attempt), data).status_code)
        connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) in ([200, 302], [302, 302])
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_a_double_click_on_start_makes_one_attempt(client, bank):
    first = client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    second = client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    assert Attempt.objects.count() == 1
    assert first["Location"] == second["Location"] == Attempt.objects.get().get_absolute_url()


def test_a_different_set_up_starts_another_attempt(client, bank):
    client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 10})
    assert Attempt.objects.count() == 2


@pytest.mark.parametrize("htmx", [True, False])
def test_the_losing_tab_of_a_race_is_told_its_answer_did_not_count(client, bank, monkeypatch, htmx):
    from quizzes import attempts

    attempt = start(client, length=5)
    question = attempt.slots.get(position=1).question
    client.post(answer_url(attempt), wrong_answer_data(question))  # the other tab, first
    loaded_before_it = attempts.slot

    def page_as_loaded_before_the_other_tab_answered(attempt, position, **kwargs):
        slot = loaded_before_it(attempt, position, **kwargs)
        slot.response = None
        return slot

    monkeypatch.setattr("quizzes.views.attempts.slot", page_as_loaded_before_the_other_tab_answered)
    response = client.post(answer_url(attempt), right_answer_data(question), headers=HX if htmx else {})
    monkeypatch.undo()
    page = response if htmx else client.get(response["Location"])
    assertContains(page, "You already answered this question")
    assertContains(page, "Not quite")  # the verdict of the answer that stands, not "Correct"
    assert Response.objects.filter(attempt=attempt).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real concurrent transactions (runs on PostgreSQL in CI)"
)
def test_the_last_two_answers_at_the_same_moment_finish_the_attempt(bank):
    client = Client()
    attempt = start(client, length=5)
    for position in (1, 2, 3):
        client.post(
            answer_url(attempt, position), right_answer_data(attempt.slots.get(position=position).question)
        )
    last = {p: right_answer_data(attempt.slots.get(position=p).question) for p in (4, 5)}
    cookies = client.cookies
    barrier = threading.Barrier(2)

    def submit(position):
        from django.db import connections

        other = Client()
        other.cookies = cookies
        barrier.wait()
        other.post(answer_url(attempt, position), last[position])
        connections.close_all()

    threads = [threading.Thread(target=submit, args=(p,)) for p in (4, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    attempt.refresh_from_db()
    assert attempt.responses.count() == 5
    assert (attempt.answered_count, attempt.score) == (5, 5)
    assert attempt.finished_at is not None


def test_a_cached_question_card_serves_another_learner_with_their_own_progress_and_token(bank):
    from quizzes import attempts

    first, second = Client(), Client()
    mine = start(first, length=5)
    questions = [s.question for s in mine.slots.select_related("question")]
    first.post(answer_url(mine, 1), right_answer_data(questions[0]))
    seen = first.get(question_url(mine, 2)).content.decode()  # the card's form is cached now
    second.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    theirs = attempts.start_attempt(
        Attempt.objects.latest("started_at").learner, topic="everything", title="Same", questions=questions
    )
    page = second.get(question_url(theirs, 2)).content.decode()
    form = re.search(r"<fieldset>.*</fieldset>", page, re.S).group()
    assert form == re.search(r"<fieldset>.*</fieldset>", seen, re.S).group()
    assert "Score: 1 out of 1 answered" in seen and "Score: 0 out of 0 answered" in page
    assert answer_url(theirs, 2) in page and str(mine.pk) not in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert token not in seen
    assert second.post(answer_url(theirs, 2), right_answer_data(questions[1])).status_code == 302
    assertContains(second.get(question_url(theirs, 2)), "Correct")


def test_a_cached_question_card_shows_a_content_change_and_a_retired_question(client, bank):
    from lessons import documents

    question = SingleQuestionFactory(prompt="The first wording?")
    attempt = start(client, length=5)
    attempt.slots.all().delete()
    attempt.slots.create(question=question, position=1)
    assertContains(client.get(question_url(attempt)), question.prompt)
    Question.objects.filter(pk=question.pk).update(prompt="A NEW WORDING?")  # as an admin save does
    assertContains(client.get(question_url(attempt)), question.prompt)  # cached under the content version
    documents.content_changed()
    assertContains(client.get(question_url(attempt)), "A NEW WORDING?")
    assertContains(client.get(question_url(attempt), headers=HX), "A NEW WORDING?")
    Question.objects.filter(pk=question.pk).update(retired=True)
    documents.content_changed()
    page = client.get(question_url(attempt))
    assertContains(page, "Question 1 skipped")
    assertNotContains(page, "A NEW WORDING?")


def test_an_invalid_answer_renders_its_errors_not_the_cached_form(client, bank):
    errors = r"Choose (an answer before checking|an owner for this one|at least one answer)"
    attempt = start(client, length=5)
    before = client.get(question_url(attempt)).content.decode()  # caches the card's form
    response = client.post(answer_url(attempt), {}, headers=HX)
    assert re.search(errors, response.content.decode())
    after = client.get(question_url(attempt)).content.decode()
    assert not re.search(errors, after)
    fieldset = r"<fieldset>.*</fieldset>"
    assert re.search(fieldset, after, re.S).group() == re.search(fieldset, before, re.S).group()
