"""An answer keeps what it was graded against: results, history and feedback read the snapshot."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from learners.models import Learner
from lessons import documents
from lessons.models import Owner
from quizzes import attempts, feedback, kinds
from quizzes.grading import record_answer
from quizzes.models import Kind, Question

from .answers import as_answer, right_answer_data, wrong_answer_data
from .factories import SingleQuestionFactory

pytestmark = pytest.mark.django_db


def sit(client, questions):
    """Start an attempt for the client's learner over exactly these questions."""
    client.post(reverse("quizzes:quiz_start"), {"topic": "everything", "length": 5})
    learner = Learner.objects.get()
    return attempts.start_attempt(learner, topic="everything", title="Chosen", questions=questions)


def answer(client, attempt, position, data):
    return client.post(reverse("quizzes:attempt_answer", args=[attempt.pk, position]), data)


def test_editing_a_duty_and_options_later_changes_no_past_verdict(client, bank):
    duty = bank["duties"][4]  # Customer
    owner_q = Question.objects.get(slug=f"owner-{duty.slug}")
    single = SingleQuestionFactory(options=[("The customer", True), ("AWS", False), ("Both", False)])
    attempt = sit(client, [owner_q, single])
    answer(client, attempt, 1, {"choice": Owner.CUSTOMER})
    answer(client, attempt, 2, {"choice": str(single.options.get(text="AWS").pk)})
    results_url = reverse("quizzes:attempt_results", args=[attempt.pk])
    before = client.get(results_url)
    assertContains(before, "1 of 2 questions right")

    duty.owner = Owner.SHARED
    duty.save()
    single.options.filter(text="AWS").update(correct=True)
    single.options.filter(text="The customer").update(correct=False, text="Only the customer")
    documents.content_changed()  # as the admin and load_content do: cached results are rebuilt

    page = client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1]))
    assertContains(page, "Correct")
    assertContains(page, "<strong>Right answer:</strong> The customer", html=True)
    assertContains(page, "Changed since you answered")
    assertContains(page, "today's answer is Both AWS and the customer (shared)")
    after = client.get(results_url)
    assertContains(after, "1 of 2 questions right")
    assertContains(after, "Not quite")
    assertContains(after, "<strong>Right answer:</strong> The customer", html=True)
    assertContains(after, "today's answer is AWS")
    history = client.get(reverse("quizzes:attempt_list"))
    assertContains(history, "1 / 2")


def test_unchanged_content_says_nothing_changed(client, bank):
    question = Question.objects.filter(kind=Kind.OWNER).first()
    attempt = sit(client, [question])
    answer(client, attempt, 1, right_answer_data(question))
    page = client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1]))
    assertNotContains(page, "Changed since")


def _feedback_for(question, data):
    learner = Learner.objects.create()
    attempt = attempts.start_attempt(learner, topic="everything", title="t", questions=[question])
    kinds.load([question])
    response = record_answer(attempt, question, as_answer(data))
    return feedback.for_response(response, question, kinds.Lookups())


def test_multiple_choice_feedback_gives_every_options_reason(db):
    question = SingleQuestionFactory(options=[("Right one", True), ("Wrong one", False), ("Other", False)])
    wrong = question.options.get(text="Wrong one")
    fb = _feedback_for(question, {"choice": str(wrong.pk)})
    assert [(o.label, o.ok, o.chosen, o.reason) for o in fb.options] == [
        ("Right one", True, False, "Because 0."),
        ("Wrong one", False, True, "Because 1."),
        ("Other", False, False, "Because 2."),
    ]


def test_matrix_feedback_gives_each_cells_owner_choice_and_reason(bank):
    question = Question.objects.get(kind=Kind.MATRIX, service=bank["service"])
    fb = _feedback_for(question, {"cell-physical": "AWS", "cell-guest-os": "Customer"})
    rows = {r.label: r for r in fb.rows}
    assert (rows["Guest OS"].given, rows["Guest OS"].expected, rows["Guest OS"].ok) == (
        "Customer",
        "Shared",
        False,
    )
    assert rows["Physical"].ok
    cell = bank["service"].cells.get(layer__slug="guest-os")
    assert rows["Guest OS"].reason == cell.reason


def test_sort_feedback_gives_each_statements_owner_choice_reason_and_source(bank):
    question = Question.objects.get(kind=Kind.SORT)
    data = wrong_answer_data(question)
    fb = _feedback_for(question, data)
    item = question.sort_items.first()
    row = next(r for r in fb.rows if r.label == item.duty.statement)
    assert row.expected == item.duty.owner and not row.ok
    assert row.reason == item.duty.explanation
    assert row.sources == item.duty.sources


def test_myth_fact_feedback_shows_the_correction_and_sources(bank):
    question = Question.objects.get(misconception=bank["myth"])
    fb = _feedback_for(question, {"choice": "fact"})
    assert not fb.correct
    assert fb.explanation == "You patch it."
    assert fb.misconception["myth"] == "AWS patches my guest OS."
    assert set(bank["myth"].sources) <= set(fb.sources)


def test_owner_feedback_still_names_the_misconception_a_wrong_answer_matches(bank):
    question = Question.objects.get(slug=f"owner-{bank['duties'][4].slug}")
    fb = _feedback_for(question, {"choice": Owner.AWS})
    assert fb.misconception["correction"] == "You patch it."
    assert fb.your_answer == ["AWS"] and fb.right_answer == ["The customer"]


def test_control_feedback_names_the_right_type(db):
    from quizzes.loading import generate

    from .factories import ControlTypeFactory

    ControlTypeFactory(slug="inherited", name="Inherited", examples=["Badge readers"])
    ControlTypeFactory(slug="shared", name="Shared", examples=["Patching"])
    generate()
    question = Question.objects.get(slug="control-inherited-1")
    fb = _feedback_for(question, {"choice": "shared"})
    assert fb.right_answer == ["Inherited"] and fb.your_answer == ["Shared"]
