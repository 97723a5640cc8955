"""Questions carry the CLF-C02 tasks they serve and when their sources were checked; quizzes pick by task;
every duty is asked; feedback offers "Report a problem"."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from lessons.pack import PackError, parse_topic
from lessons.tests.factories import DutyFactory
from quizzes.loading import check_every_duty_is_asked, generate
from quizzes.models import Attempt, Kind, Origin, Question
from quizzes.topics import topic_choices

from .answers import right_answer_data

pytestmark = pytest.mark.django_db


def test_the_topic_grammar_has_exam_tasks():
    assert parse_topic("task:2.3").slug == "2.3"
    assert parse_topic("task:2.9") is None
    assert parse_topic("task:") is None


def test_generated_questions_take_their_duty_s_tasks_and_date(bank):
    duty = bank["duties"][4]
    duty.exam_tasks = ["2.1", "2.3"]
    duty.checked_on = datetime.date(2026, 10, 1)
    duty.save()
    generate()
    question = Question.objects.get(slug=f"owner-{duty.slug}")
    assert question.exam_tasks == ["2.1", "2.3"]
    assert question.checked_on == datetime.date(2026, 10, 1)
    matrix = Question.objects.get(kind=Kind.MATRIX)
    assert matrix.exam_tasks == ["2.1"] and matrix.checked_on == datetime.date(2026, 11, 22)


def test_a_quiz_can_be_set_up_for_one_exam_task(client, bank):
    duty = bank["duties"][4]
    duty.exam_tasks = ["2.3"]
    duty.save()
    generate()
    picked = set(Question.objects.live().for_topic("task:2.3").values_list("slug", flat=True))
    assert picked == {f"owner-{duty.slug}"} | (
        {f"claim-{duty.slug}"} & set(Question.objects.values_list("slug", flat=True))
    )
    assert ("task:2.3", "CLF-C02 Task 2.3: access management") in topic_choices()
    client.post(reverse("quizzes:quiz_start"), {"topic": "task:2.3", "length": 5})
    attempt = Attempt.objects.get()
    assert {s.question.slug for s in attempt.slots.select_related("question")} <= picked


def test_a_duty_no_question_asks_stops_the_load(bank):
    DutyFactory(slug="lonely-duty", group="network-security")
    with pytest.raises(PackError) as exc:
        check_every_duty_is_asked()
    assert [str(p) for p in exc.value.problems] == [
        "content/duties/network-security.yaml: duty 'lonely-duty': no question asks it"
    ]
    generate()
    check_every_duty_is_asked()  # its generated question asks it now


def test_feedback_offers_to_report_the_question_and_shows_when_it_was_checked(client, bank):
    client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    attempt = Attempt.objects.get()
    # Every drawn question, whatever its kind and whether or not it has sources, shows both.
    for slot in attempt.slots.select_related("question"):
        args = [attempt.pk, slot.position]
        client.post(reverse("quizzes:attempt_answer", args=args), right_answer_data(slot.question))
        feedback = client.get(reverse("quizzes:attempt_question", args=args))
        assertContains(feedback, f"/report/?about=question%3A{slot.question.slug}")
        if slot.question.checked_on:
            assertContains(feedback, f'<time datetime="{slot.question.checked_on:%Y-%m-%d}">')


def test_the_real_pack_tags_every_question(real_pack):
    live = Question.objects.live()
    assert not [q.slug for q in live if not q.exam_tasks]
    assert not live.filter(origin=Origin.AUTHORED, checked_on__isnull=True).exists()
    assert all(live.for_topic(f"task:{t}").exists() for t in ("2.1", "2.2", "2.3", "2.4"))
