"""Exam simulation: drawing, the server's deadline, drafts until submission, grading at the end, readiness."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from learners.models import Learner
from lessons.models import Owner
from lessons.tests.factories import DutyFactory, LayerFactory
from quizzes import exam, tags
from quizzes.loading import generate
from quizzes.models import Attempt, ExamDraft, Mode, Question, ReviewCard

from .answers import right_answer_data, wrong_answer_data
from .factories import SingleQuestionFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def exam_bank(bank):
    """The small bank plus enough duties for a 20-question exam with no duty twice."""
    layer = bank["layers"][1]
    for n in range(20):
        DutyFactory(
            owner=[Owner.AWS, Owner.CUSTOMER, Owner.SHARED][n % 3], layer=layer, services=[bank["service"]]
        )
    generate()
    for n in range(4):
        SingleQuestionFactory(slug=f"scenario-{n}")
    return bank


def start(client, length=20, extra_time=False) -> Attempt:
    data = {"length": length} | ({"extra_time": "on"} if extra_time else {})
    response = client.post(reverse("prep:exam_start"), data)
    attempt = Attempt.objects.get(mode=Mode.EXAM, pk=response.url.split("/")[2])
    assertRedirects(
        response, reverse("prep:exam_question", args=[attempt.pk, 1]), fetch_redirect_response=False
    )
    return attempt


def question_at(attempt, position) -> Question:
    return attempt.slots.select_related("question").get(position=position).question


def save(client, attempt, position, data, go="next", headers=None, **extra):
    url = reverse("prep:exam_answer", args=[attempt.pk, position])
    return client.post(url, data | {"go": go} | extra, headers=headers or {})


def test_minutes_follow_the_real_exams_pace_and_extra_time_adds_30_per_90():
    assert exam.minutes_for(20, extra_time=False) == 28
    assert exam.minutes_for(40, extra_time=False) == 56
    assert exam.minutes_for(20, extra_time=True) == 38  # 28 + 28 x 30/90 = 37.3, rounded up
    assert exam.minutes_for(40, extra_time=True) == 75


def test_the_draw_is_exam_style_only_and_never_two_questions_on_one_duty(exam_bank):
    drawn = exam.draw(20, rng=random.Random(4))
    assert len(drawn) == 20
    assert {q.kind for q in drawn} <= set(exam.EXAM_KINDS)
    found = tags.tag([q.pk for q in drawn])
    duties = [d for q in drawn for d in found[q.pk].duties]
    assert len(duties) == len(set(duties))


def test_the_draw_spreads_questions_across_layers():
    top, bottom = LayerFactory(slug="top"), LayerFactory(slug="bottom")
    for n in range(30):
        DutyFactory(layer=top, statement=f"top {n}")
    for n in range(10):
        DutyFactory(layer=bottom, statement=f"bottom {n}")
    generate()
    drawn = exam.draw(10, rng=random.Random(1))
    on_bottom = sum(1 for q in drawn if q.duty.layer == bottom)
    assert 4 <= on_bottom <= 6, "balanced, not proportional to the bank's 3:1"


@time_machine.travel(START, tick=False)
def test_starting_sets_the_servers_deadline_with_or_without_extra_time(client, exam_bank):
    attempt = start(client)
    assert attempt.deadline == START + timedelta(minutes=28)
    assert attempt.total == 20 and attempt.title == "Section exam: 20 questions in 28 minutes"
    longer = start(client, extra_time=True)
    assert longer.deadline == START + timedelta(minutes=38)
    # The browser counts down from whole seconds rounded up, so it never reaches zero before the server.
    assert exam.seconds_left(attempt, START + timedelta(minutes=28, milliseconds=-400)) == 1
    assert exam.seconds_left(attempt, START + timedelta(minutes=28)) == 0


def test_the_question_page_never_shows_a_verdict_and_answers_change_until_submission(client, exam_bank):
    with time_machine.travel(START, tick=False):
        attempt = start(client)
        question = question_at(attempt, 1)
        page = client.get(reverse("prep:exam_question", args=[attempt.pk, 1]))
        assertContains(page, "This exam ends at")
        assertContains(page, "12:28 UTC")
        assertRedirects(
            save(client, attempt, 1, wrong_answer_data(question)),
            reverse("prep:exam_question", args=[attempt.pk, 2]),
        )
        assert not attempt.responses.exists(), "nothing graded before the end"
        page = client.get(reverse("prep:exam_question", args=[attempt.pk, 2]))
        assertNotContains(page, "Correct")
        assertNotContains(page, "Not quite")
    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        save(client, attempt, 1, right_answer_data(question), go="review", flagged="1")
        draft = ExamDraft.objects.get(attempt=attempt, question=question)
        assert draft.answer == right_answer_data(question) and draft.flagged
        review = client.get(reverse("prep:exam_review", args=[attempt.pk]))
        assertContains(review, "19 unanswered")
        assertContains(review, "1 flagged")
        assertRedirects(
            client.post(reverse("prep:exam_submit", args=[attempt.pk])),
            reverse("prep:exam_results", args=[attempt.pk]),
        )
    attempt.refresh_from_db()
    assert attempt.finished_at == START + timedelta(minutes=3)
    assert attempt.responses.get().correct
    assert ReviewCard.objects.filter(learner=attempt.learner).count() == 1, "the graded answer moved its card"
    results = client.get(reverse("prep:exam_results", args=[attempt.pk]))
    assertContains(results, "5% right")
    assertContains(results, "Time used: 0 s on the questions.")  # under a minute in seconds, not "0 min"
    assertContains(results, "not a scaled score")
    assertContains(results, "Review my misses (19)")
    assertContains(results, "you flagged it")


def test_an_answer_after_the_deadline_is_refused_with_a_clear_message_and_nothing_changes(client, exam_bank):
    with time_machine.travel(START, tick=False):
        attempt = start(client)
        question = question_at(attempt, 1)
        save(client, attempt, 1, wrong_answer_data(question))
    with time_machine.travel(START + timedelta(minutes=28, seconds=1), tick=False):
        response = save(client, attempt, 1, right_answer_data(question))
        assertRedirects(
            response, reverse("prep:exam_results", args=[attempt.pk]), fetch_redirect_response=False
        )
        page = client.get(response.url)
        assertContains(
            page,
            "Time is up: the exam ended at 12:28 UTC, so that answer arrived too late and was not saved.",
        )
    attempt.refresh_from_db()
    assert attempt.finished_at == attempt.deadline
    assert not attempt.responses.get().correct, "the answer saved in time was graded, the late one was not"


def test_an_abandoned_exam_finishes_itself_at_the_deadline(client, exam_bank):
    with time_machine.travel(START, tick=False):
        attempt = start(client)
        save(client, attempt, 1, right_answer_data(question_at(attempt, 1)))
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        call_command("finish_exams")
    attempt.refresh_from_db()
    assert attempt.finished_at == attempt.deadline
    assert attempt.score == 1


def test_an_abandoned_exam_finishes_lazily_on_the_next_visit(client, exam_bank):
    with time_machine.travel(START, tick=False):
        attempt = start(client)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        response = client.get(reverse("prep:exam_question", args=[attempt.pk, 3]))
    assertRedirects(response, reverse("prep:exam_results", args=[attempt.pk]), fetch_redirect_response=False)
    attempt.refresh_from_db()
    assert attempt.finished_at == attempt.deadline


def test_resuming_keeps_the_clock_running_on_another_device(client, exam_bank):
    from django.test import Client

    with time_machine.travel(START, tick=False):
        client.post(
            reverse("learners:signup"),
            {"username": "ada", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
        )
        attempt = start(client)
        save(client, attempt, 1, right_answer_data(question_at(attempt, 1)))
    other = Client()
    other.login(username="ada", password="a-long-pass-phrase-9")
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        response = other.get(reverse("prep:exam_detail", args=[attempt.pk]))
        assertRedirects(
            response, reverse("prep:exam_question", args=[attempt.pk, 2]), fetch_redirect_response=False
        )
        page = other.get(response.url)
        assertContains(page, 'data-seconds-left="1080"')
        assertContains(page, "about 18 minutes left")


def test_the_practice_pages_send_an_exam_to_its_own_pages(client, exam_bank):
    attempt = start(client)
    question = question_at(attempt, 1)
    url = reverse("quizzes:attempt_answer", args=[attempt.pk, 1])
    response = client.post(url, right_answer_data(question))
    assertRedirects(response, reverse("prep:exam_detail", args=[attempt.pk]), fetch_redirect_response=False)
    assert not attempt.responses.exists()
    response = client.get(
        reverse("quizzes:attempt_question", args=[attempt.pk, 1]), headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == reverse("prep:exam_detail", args=[attempt.pk])


def test_a_tampered_answer_is_refused_and_changes_nothing(client, exam_bank):
    attempt = start(client)
    response = save(client, attempt, 1, {"choice": "nobody", "choices": ["nobody"]})
    assertContains(response, "Select a valid choice")
    assert not ExamDraft.objects.filter(attempt=attempt, answer__isnull=False).exists()


def test_another_learner_cannot_see_or_answer_an_exam(client, exam_bank):
    from django.test import Client

    attempt = start(client)
    stranger = Client()
    assert stranger.get(reverse("prep:exam_question", args=[attempt.pk, 1])).status_code == 404
    assert save(stranger, attempt, 1, right_answer_data(question_at(attempt, 1))).status_code == 404
    assert not ExamDraft.objects.filter(answer__isnull=False).exists()


@pytest.mark.parametrize(
    ("right", "total", "lower"),
    [(0, 0, 0.0), (10, 10, 0.858), (8, 10, 0.602), (40, 50, 0.718), (7, 10, 0.497)],
)
def test_wilson_lower_bound_at_80_percent(right, total, lower):
    assert exam.wilson_lower(right, total) == pytest.approx(lower, abs=0.001)


def test_readiness_needs_enough_evidence_and_a_lower_bound_over_70_percent():
    few = exam.TopicReadiness("task:2.1", "Task 2.1", right=9, total=9)
    assert few.verdict == "not enough evidence yet"
    strong = exam.TopicReadiness("task:2.1", "Task 2.1", right=19, total=20)
    weak = exam.TopicReadiness("layer:guest-os", "Guest OS", right=15, total=20)
    assert strong.verdict == "ready" and weak.verdict == "not ready yet"
    assert exam.Readiness([strong], 20, 1).ready
    assert not exam.Readiness([strong, weak], 20, 1).ready
    assert not exam.Readiness([strong, few], 20, 1).ready
    assert not exam.Readiness([], 0, 0).ready


def test_readiness_counts_only_questions_first_seen_in_an_exam(client, exam_bank):
    with time_machine.travel(START, tick=False):
        seen = start(client)
        known = question_at(seen, 1)
        save(client, seen, 1, right_answer_data(known))
        client.post(reverse("prep:exam_submit", args=[seen.pk]))
    learner = Learner.objects.get()
    first = exam.readiness(learner)
    assert (first.questions, first.exams) == (20, 1)
    with time_machine.travel(START + timedelta(days=1), tick=False):
        again = exam.start_exam(learner, length=20, extra_time=False, rng=random.Random(2))
        exam.finish_exam(again)
    repeats = len({s.question_id for s in seen.slots.all()} & {s.question_id for s in again.slots.all()})
    later = exam.readiness(learner)
    assert later.exams == 2 and later.questions == 40 - repeats
    assert all(t.total <= later.questions for t in later.topics)


def test_exam_set_up_is_honest_and_lists_past_exams(client, exam_bank):
    page = client.get(reverse("prep:exam_setup"))
    assertContains(page, "not a full mock exam")
    assertContains(page, "no scaled score")
    assertContains(page, "None yet.")
    attempt = start(client)
    client.post(reverse("prep:exam_submit", args=[attempt.pk]))
    page = client.get(reverse("prep:exam_setup"))
    assertContains(page, "0% (0 of 20)")


def test_a_bad_exam_set_up_is_refused_and_starts_nothing(client, exam_bank):
    response = client.post(reverse("prep:exam_start"), {"length": 65})
    assertContains(response, "Select a valid choice")
    assertContains(response, "With extra time: 20 questions in 38 minutes")  # the same page as the set-up
    assert not Attempt.objects.exists()


def test_an_exam_can_be_on_one_exam_task_only(client, exam_bank):
    tagged = list(Question.objects.live().filter(kind__in=exam.EXAM_KINDS).order_by("pk")[:5])
    for question in tagged:
        question.exam_tasks = ["2.3"]
        question.save(update_fields=["exam_tasks"])
    drawn = exam.draw(20, task="2.3", rng=random.Random(1))
    assert drawn and {q.pk for q in drawn} <= {q.pk for q in tagged}

    response = client.post(reverse("prep:exam_start"), {"length": 20, "task": "2.3"})
    attempt = Attempt.objects.get(mode=Mode.EXAM)
    assert "task 2.3" in attempt.title
    assert set(attempt.slots.values_list("question", flat=True)) <= {q.pk for q in tagged}
    assert response.status_code == 302


def test_an_unknown_exam_task_is_refused_and_starts_nothing(client, exam_bank):
    response = client.post(reverse("prep:exam_start"), {"length": 20, "task": "9.9"})
    assertContains(response, "Select a valid choice")
    assert not Attempt.objects.exists()


HX = {"HX-Request": "true"}


def test_with_htmx_saving_swaps_in_the_next_question_and_pushes_its_url(client, exam_bank):
    attempt = start(client)
    question = question_at(attempt, 1)
    page = client.get(reverse("prep:exam_question", args=[attempt.pk, 1]), headers=HX)
    assertContains(page, 'id="exam-card"')
    assertNotContains(page, "<html")
    assertNotContains(page, "data-exam-clock")  # the clock stays on the page, outside the card
    assert page["Vary"] and "HX-Request" in page["Vary"]

    response = client.post(
        reverse("prep:exam_answer", args=[attempt.pk, 1]),
        right_answer_data(question) | {"go": "3"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == reverse("prep:exam_question", args=[attempt.pk, 3])
    assertContains(response, "Question 3 of 20.")
    assertContains(response, f"<title>Question 3 of 20: {attempt.title} · SRM Trainer</title>", html=False)
    assertContains(response, "autofocus")  # focus goes to the new question's first option
    assertContains(response, 'aria-label="Question 1: answered"')
    assertNotContains(response, "<html")
    assert ExamDraft.objects.get(attempt=attempt, question=question).answer == right_answer_data(question)
    assert ExamDraft.objects.get(attempt=attempt, question=question_at(attempt, 3)).opened_at is not None

    review = client.post(reverse("prep:exam_answer", args=[attempt.pk, 3]), {"go": "review"}, headers=HX)
    assert review["HX-Redirect"] == reverse("prep:exam_review", args=[attempt.pk])


def test_without_htmx_saving_redirects_to_the_next_question(client, exam_bank):
    attempt = start(client)
    question = question_at(attempt, 1)
    response = save(client, attempt, 1, right_answer_data(question), go="3")
    assertRedirects(
        response, reverse("prep:exam_question", args=[attempt.pk, 3]), fetch_redirect_response=False
    )
    page = client.get(response.url)
    assertContains(page, "<html")
    assertContains(page, "data-exam-clock")
    assertContains(page, 'aria-label="Question 1: answered"')
    assertNotContains(page, "autofocus")


def test_a_tampered_answer_with_htmx_shows_the_error_in_place_and_changes_nothing(client, exam_bank):
    attempt = start(client)
    response = save(client, attempt, 1, {"choice": "nobody", "choices": ["nobody"]}, headers=HX)
    assert response.status_code == 200
    assertContains(response, "Select a valid choice")
    assertContains(response, 'id="exam-card"')
    assert "HX-Push-Url" not in response
    assert not ExamDraft.objects.filter(attempt=attempt, answer__isnull=False).exists()


def test_the_flag_is_saved_at_once_leaving_the_answer_alone(client, exam_bank):
    attempt = start(client)
    question = question_at(attempt, 2)
    save(client, attempt, 2, right_answer_data(question))
    flag_url = reverse("prep:exam_flag", args=[attempt.pk, 2])
    response = client.post(flag_url, {"flagged": "1"}, headers=HX)
    assertContains(response, 'id="exam-nav"')
    assertContains(response, 'aria-label="Question 2: answered, flagged"')
    assertNotContains(response, 'id="exam-card"')
    draft = ExamDraft.objects.get(attempt=attempt, question=question)
    assert draft.flagged and draft.answer == right_answer_data(question)
    # Without JavaScript (never sent by the page, but the URL works): unflag, back to the question.
    assertRedirects(
        client.post(flag_url),
        reverse("prep:exam_question", args=[attempt.pk, 2]),
        fetch_redirect_response=False,
    )
    assert not ExamDraft.objects.get(attempt=attempt, question=question).flagged


def test_after_the_deadline_htmx_saves_and_flags_are_refused_and_sent_to_the_results(client, exam_bank):
    with time_machine.travel(START, tick=False):
        attempt = start(client)
        question = question_at(attempt, 1)
    with time_machine.travel(START + timedelta(minutes=29), tick=False):
        results = reverse("prep:exam_results", args=[attempt.pk])
        late = save(client, attempt, 1, right_answer_data(question), headers=HX)
        assert late["HX-Redirect"] == results
        flag = client.post(reverse("prep:exam_flag", args=[attempt.pk, 1]), {"flagged": "1"}, headers=HX)
        assert flag["HX-Redirect"] == results
        page = client.get(reverse("prep:exam_question", args=[attempt.pk, 1]), headers=HX)
        assert page["HX-Redirect"] == results
    draft = ExamDraft.objects.get(attempt=attempt, question=question)
    assert draft.answer is None and not draft.flagged


def test_saving_an_exam_answer_costs_the_same_whatever_the_question_or_content(client, exam_bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    attempt = start(client)

    def cost(position, **headers):
        data = right_answer_data(question_at(attempt, position))
        with CaptureQueriesContext(connection) as queries:
            response = save(client, attempt, position, data, go="1", headers=headers)
        assert response.status_code in (200, 302)
        return len(queries)

    cost(1)  # the question's presentation is now cached under the content version
    # Session, learner, the exam with the question's id and kind, content version, and the draft's write
    # (begin, locked read, update, commit); with htmx also the next question's draft and navigator.
    assert [cost(1), cost(1, **HX)] == [8, 13]
    for _ in range(20):
        DutyFactory()
    generate()
    cost(2)
    assert [cost(2), cost(2, **HX)] == [8, 13]


def test_past_exams_are_charted_over_time_beside_their_table_as_percent_right(client, exam_bank):
    assertNotContains(client.get(reverse("prep:exam_setup")), "<svg")
    with time_machine.travel(START, tick=False):
        first = start(client)
        save(client, first, 1, right_answer_data(question_at(first, 1)))
        client.post(reverse("prep:exam_submit", args=[first.pk]))
    with time_machine.travel(START + timedelta(days=1), tick=False):
        second = start(client)
        for position in (1, 2, 3, 4):
            save(client, second, position, right_answer_data(question_at(second, position)))
        client.post(reverse("prep:exam_submit", args=[second.pk]))
        third = start(client)  # in progress: in the table, not in the chart
        setup = client.get(reverse("prep:exam_setup"))
        results = client.get(reverse("prep:exam_results", args=[second.pk]))
    for page in (setup, results):
        assertContains(page, 'role="img" aria-labelledby="past-title past-desc"')
        assertContains(page, 'class="chart-bar"', count=2)
        # Oldest first: 5% (1 of 20) is a bar 6 units high, 20% a bar 24 high, on a 120-unit chart.
        html = page.content.decode()
        assert html.index('height="6.0"><title>1 Dec 2026, 12:00 UTC: 5% right') < html.index(
            'height="24.0"><title>2 Dec 2026, 12:00 UTC: 20% right'
        )
        # Each bar carries its value as text, so a 0% exam still shows on the chart.
        assertContains(page, 'text-anchor="middle" aria-hidden="true">5%</text>')
        assertContains(page, "<caption>Your exams, oldest first, with the percent right</caption>", html=True)
        assertContains(page, "not a scaled score")
        assertNotContains(page, "/1000")
    assertContains(setup, reverse("prep:exam_detail", args=[third.pk]))


def test_a_practice_quiz_or_a_missing_position_cannot_be_saved_as_an_exam_answer(client, exam_bank):
    client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    practice = Attempt.objects.get(mode=Mode.PRACTICE)
    question = practice.slots.get(position=1).question
    response = client.post(reverse("prep:exam_answer", args=[practice.pk, 1]), right_answer_data(question))
    assert response.status_code == 404
    assert not practice.responses.exists()
    attempt = start(client)
    assert save(client, attempt, 21, {}).status_code == 404
    assert client.post(reverse("prep:exam_flag", args=[attempt.pk, 21]), {"flagged": "1"}).status_code == 404
