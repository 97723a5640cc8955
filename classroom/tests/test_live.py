from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from classroom import engine, live, state
from classroom.models import Answer, ClassSession, Phase, Scoring, Seat
from learners.tests.factories import LearnerFactory, UserFactory
from quizzes.models import Kind, Response, ReviewCard
from quizzes.tests.factories import OwnerQuestionFactory, SingleQuestionFactory

from .factories import ClassSessionFactory, SeatFactory, class_with_questions, move, multi_class

pytestmark = pytest.mark.django_db


def test_create_session_freezes_each_question_with_its_key_and_a_six_digit_code():
    host = UserFactory()
    owner_q = OwnerQuestionFactory()
    single = SingleQuestionFactory()
    session = live.create_session(host, title="Basics", topic="everything", chosen=[owner_q, single])
    assert len(session.code) == 6 and session.code.isdigit()
    first, second = session.items.all()
    assert first.snapshot["key"] == "Customer"
    assert [c[1] for c in first.snapshot["choices"]][:2] == ["AWS", "The customer"]
    right = next(v for v, label in second.snapshot["choices"] if label == "The customer")
    assert second.snapshot["key"] == right
    # Editing the content afterwards does not change what the class is graded against.
    owner_q.duty.owner = "AWS"
    owner_q.duty.save()
    first.refresh_from_db()
    assert first.snapshot["key"] == "Customer"


def test_create_session_refuses_an_empty_choice():
    with pytest.raises(live.Refused):
        live.create_session(UserFactory(), title="Nothing", topic="x", chosen=[])
    assert not ClassSession.objects.exists()


def test_a_code_is_unique_among_open_classes_but_free_again_once_ended():
    ended = ClassSessionFactory(code="123456", phase=Phase.ENDED)
    ClassSessionFactory(code="123456")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClassSessionFactory(code="123456")
    assert live.find_open("123 456").phase == Phase.LOBBY
    assert ended.phase == Phase.ENDED


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "999999"])
def test_find_open_ignores_malformed_and_unknown_codes(db, code):
    ClassSessionFactory(code="111111")
    assert live.find_open(code) is None


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("  Ada   Lovelace ", "Ada Lovelace"), ("Zoë-2", "Zoë-2"), ("O'Neil", "O'Neil"), ("ｆｕｌｌ", "full")],
)
def test_nicknames_are_normalised(raw, shown):
    assert live.clean_nickname(raw) == shown


@pytest.mark.parametrize("raw", ["", "   ", "x" * 21, "<script>", "a\u200bb", "ab;cd"])
def test_nicknames_outside_the_rules_are_refused(raw):
    with pytest.raises(ValidationError):
        live.clean_nickname(raw)


def test_a_nickname_is_unique_in_a_class_whatever_its_case_and_a_removed_one_stays_taken(room):
    ada = live.join(room, "Ada")
    with pytest.raises(ValidationError, match="taken"):
        live.join(room, "ADA")
    live.remove_seat(room, ada.pk)
    with pytest.raises(ValidationError, match="taken"):
        live.join(room, "ada")
    assert Seat.objects.filter(session=room).count() == 1
    assert live.join(ClassSessionFactory(), "Ada").nickname == "Ada"  # another class


def test_joining_an_ended_class_is_refused(room):
    move(room, "end")
    room.refresh_from_db()
    with pytest.raises(live.Refused, match="ended"):
        live.join(room, "Late")


def test_rejoin_finds_the_seat_by_its_code_in_that_class_only(room):
    seat = live.join(room, "Ada")
    assert len(seat.rejoin_code) == live.REJOIN_LENGTH
    assert live.rejoin(room, seat.rejoin_code.lower()) == seat
    assert live.rejoin(ClassSessionFactory(), seat.rejoin_code) is None
    live.remove_seat(room, seat.pk)
    assert live.rejoin(room, seat.rejoin_code) is None


def test_the_host_paces_the_class_through_every_phase(room):
    phases = []
    for action in ["start", "close", "reveal", "next", "reveal", "next", "close", "reveal"]:
        room = live.advance(room, action, version=room.version)
        phases.append((room.phase, room.position))
    assert phases == [
        (Phase.OPEN, 1), (Phase.CLOSED, 1), (Phase.REVEALED, 1), (Phase.OPEN, 2),
        (Phase.REVEALED, 2), (Phase.OPEN, 3), (Phase.CLOSED, 3), (Phase.REVEALED, 3),
    ]  # fmt: skip
    assert "next" not in live.allowed_actions(room, 3)  # the last question: only "end" is left
    room = live.advance(room, "end", version=room.version)
    assert room.phase == Phase.ENDED and room.ended_at is not None


def test_a_repeated_action_on_an_old_version_changes_nothing(room):
    seen = room.version
    room = live.advance(room, "start", version=seen)
    again = live.advance(room, "start", version=seen)  # a double click or a second tab
    assert (again.version, again.position) == (room.version, 1)
    revealed = live.advance(room, "reveal", version=room.version)
    twice = live.advance(revealed, "next", version=room.version)  # stale: must not skip a question
    assert twice.position == 1 and twice.phase == Phase.REVEALED


def test_an_action_the_phase_does_not_allow_changes_nothing(room):
    assert live.advance(room, "reveal", version=room.version).version == room.version
    assert live.advance(room, "explode", version=room.version).version == room.version


def test_every_change_is_published_for_polling(room):
    before = state.pulse(room.pk)
    room = live.advance(room, "start", version=room.version)
    after = state.pulse(room.pk)
    assert after.version == before.version + 1 and after.phase == Phase.OPEN and after.position == 1


def test_the_timer_closes_answers_once_whoever_notices(db):
    room = class_with_questions(2, seconds_per_question=20)
    room = live.advance(room, "start", version=room.version)
    item = room.items.get(position=1)
    assert item.closes_at - item.opened_at == timedelta(seconds=20)
    pulse = state.pulse(room.pk)
    live.close_if_due(room.pk, pulse)
    assert ClassSession.objects.get(pk=room.pk).phase == Phase.OPEN  # not due yet
    room.items.filter(pk=item.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    state.forget(room.pk)
    pulse = state.pulse(room.pk)
    live.close_if_due(room.pk, pulse)
    live.close_if_due(room.pk, pulse)
    room.refresh_from_db()
    assert (room.phase, room.version) == (Phase.CLOSED, pulse.version + 1)


def test_an_answer_is_graded_against_the_snapshot_and_recorded_once(open_room):
    ada, bob = live.join(open_room, "Ada"), live.join(open_room, "Bob")
    right = live.submit_answer(Seat.objects.get(pk=ada.pk), position=1, choice="Customer")
    wrong = live.submit_answer(Seat.objects.get(pk=bob.pk), position=1, choice="AWS")
    assert (right.correct, right.points, wrong.correct, wrong.points) == (True, 1, False, 0)
    with pytest.raises(live.AlreadyAnswered) as exc:
        live.submit_answer(Seat.objects.get(pk=ada.pk), position=1, choice="AWS")
    assert exc.value.answer == right
    assert list(Answer.objects.filter(seat=ada).values_list("choice", flat=True)) == ["Customer"]


def seat_in(session, name="Ada"):
    seat = live.join(session, name)
    return Seat.objects.select_related("session").get(pk=seat.pk)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda s: move(s, "close"), "closed"),
        (lambda s: move(s, "reveal"), "closed"),
        (lambda s: move(s, "end"), "ended"),
    ],
)
def test_an_answer_after_closing_is_refused_and_changes_nothing(open_room, setup, message):
    seat = live.join(open_room, "Ada")
    setup(open_room)
    with pytest.raises(live.Refused, match=message):
        live.submit_answer(
            Seat.objects.select_related("session").get(pk=seat.pk), position=1, choice="Customer"
        )
    assert not Answer.objects.exists()


def test_an_answer_to_another_question_than_the_open_one_is_refused(open_room):
    seat = seat_in(open_room)
    with pytest.raises(live.Refused, match="closed"):
        live.submit_answer(seat, position=2, choice="Customer")
    assert not Answer.objects.exists()


def test_an_answer_after_the_timer_is_refused(db):
    room = class_with_questions(1, seconds_per_question=20)
    room = live.advance(room, "start", version=room.version)
    seat = seat_in(room)
    room.items.update(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(live.Refused, match="Time is up"):
        live.submit_answer(seat, position=1, choice="Customer")
    assert not Answer.objects.exists()


def test_a_removed_seat_cannot_answer(open_room):
    seat = seat_in(open_room)
    live.remove_seat(open_room, seat.pk)
    seat.refresh_from_db()
    with pytest.raises(live.Refused, match="removed"):
        live.submit_answer(seat, position=1, choice="Customer")
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda room, seat: move(room, "close"), "closed"),
        (lambda room, seat: live.remove_seat(room, seat.pk), "removed"),
        (lambda room, seat: move(room, "close", "next"), "closed"),
    ],
)
def test_the_database_decides_even_when_the_phones_view_of_the_class_is_stale(open_room, change, message):
    """The view passes only the seat's id and class (from the cookie and cached cards, which can lag a
    change by a fraction of a second): the insert itself checks the seat and the open question."""
    seat = live.join(open_room, "Ada")
    live.join(open_room, "Bob")  # still to answer, so no auto-close
    state.grading(open_room.pk, 1)  # read while the question was open
    change(open_room, seat)
    with pytest.raises(live.Refused, match=message):
        live.submit_answer(Seat(pk=seat.pk, session_id=open_room.pk), position=1, choice="Customer")
    assert not Answer.objects.exists()


def test_a_choice_that_was_not_offered_is_refused(open_room):
    with pytest.raises(live.Refused, match="Choose one"):
        live.submit_answer(seat_in(open_room), position=1, choice="nobody")
    assert not Answer.objects.exists()


def test_the_speed_bonus_gives_more_points_for_faster_right_answers(db):
    room = class_with_questions(1, scoring=Scoring.SPEED, seconds_per_question=20)
    room = live.advance(room, "start", version=room.version)
    graded = state.grading(room.pk, 1)
    at = room.items.get().opened_at
    assert live.points_for(graded, right=True, at=at) == 1000
    assert live.points_for(graded, right=True, at=at + timedelta(seconds=10)) == 750
    assert live.points_for(graded, right=True, at=at + timedelta(seconds=25)) == 500
    assert live.points_for(graded, right=False, at=at) == 0


def test_a_signed_in_learners_answers_also_go_to_their_own_quiz_history(db):
    question = OwnerQuestionFactory()
    room = live.create_session(
        UserFactory(), title="Basics", topic="everything", chosen=[question], auto_close=False
    )
    room = live.advance(room, "start", version=room.version)
    learner = LearnerFactory(user=UserFactory())
    seat = live.join(room, "Ada", learner=learner)
    live.submit_answer(Seat.objects.select_related("session").get(pk=seat.pk), position=1, choice="Customer")
    response = Response.objects.get()
    assert response.attempt.learner == learner and response.correct and response.question == question
    assert response.attempt.title == "Live class: Basics"
    # Spaced review reads every recorded answer: the class's question is now on the learner's review card.
    card = ReviewCard.objects.get(learner=learner, question=question)
    assert card.reviews == 1 and card.logs.get().response == response
    anonymous = live.join(room, "Bob")
    live.submit_answer(Seat.objects.select_related("session").get(pk=anonymous.pk), position=1, choice="AWS")
    assert Response.objects.count() == 1  # nobody's history for an anonymous seat


def test_seats_outside_a_session_cannot_be_removed_through_it(room):
    other = SeatFactory()
    assert live.remove_seat(room, other.pk) is None
    other.refresh_from_db()
    assert not other.removed


def _seated(session, name):
    return Seat.objects.select_related("session").get(pk=live.join(session, name).pk)


def test_auto_close_closes_the_question_when_the_last_seated_learner_answers(db):
    room = move(class_with_questions(2, auto_close=True), "start")
    ada, bob = _seated(room, "Ada"), _seated(room, "Bob")
    live.submit_answer(ada, position=1, choice="Customer")
    assert ClassSession.objects.get(pk=room.pk).phase == Phase.OPEN  # Bob has not answered yet
    live.submit_answer(Seat.objects.select_related("session").get(pk=bob.pk), position=1, choice="AWS")
    closed = ClassSession.objects.get(pk=room.pk)
    assert (closed.phase, closed.version) == (Phase.CLOSED, room.version + 1)
    assert state.pulse(room.pk).phase == Phase.CLOSED  # every screen's next poll sees it
    # Bob's double tap arriving after the close is his first answer, not "closed".
    with pytest.raises(live.AlreadyAnswered) as refused:
        live.submit_answer(bob, position=1, choice="Customer")
    assert refused.value.answer.choice == "AWS" and Answer.objects.count() == 2


def test_removing_the_only_learner_who_had_not_answered_closes_the_question(db):
    room = move(class_with_questions(2, auto_close=True), "start")
    ada, bob = _seated(room, "Ada"), _seated(room, "Bob")
    live.submit_answer(ada, position=1, choice="Customer")
    live.remove_seat(ClassSession.objects.get(pk=room.pk), bob.pk)
    assert ClassSession.objects.get(pk=room.pk).phase == Phase.CLOSED


def test_without_auto_close_answers_stay_open_for_the_host(db):
    room = move(class_with_questions(2, auto_close=False), "start")
    live.submit_answer(_seated(room, "Ada"), position=1, choice="Customer")
    assert ClassSession.objects.get(pk=room.pk).phase == Phase.OPEN


def test_a_late_pulse_never_steps_the_screens_back(db):
    room = move(class_with_questions(2), "start")
    stale = ClassSession.objects.get(pk=room.pk)
    room = move(room, "close")
    state.publish(stale)  # a slower request publishing what it read before the close
    assert state.pulse(room.pk).version == room.version


def test_a_real_multiple_answer_question_is_frozen_with_every_right_option():
    question = SingleQuestionFactory(
        kind=Kind.MULTIPLE,
        options=[("Guest OS patches", True), ("Security groups", True), ("Hypervisor", False)],
    )
    session = live.create_session(UserFactory(), title="Two", topic="everything", chosen=[question])
    snap = session.items.get().snapshot
    right = sorted(str(o.pk) for o in question.options.filter(correct=True))
    assert snap["many"] and snap["keys"] == right and snap["key"] == ",".join(right)
    assert engine.is_right(snap, ",".join(right)) and not engine.is_right(snap, right[0])


def test_multiple_answers_are_graded_all_or_nothing_and_recorded_once(db):
    room = move(multi_class(), "start")
    ada, bob, cy = (_seated(room, n) for n in ("Ada", "Bob", "Cy"))
    assert live.submit_answer(ada, position=1, choice=["12", "11"]).correct
    partial = live.submit_answer(bob, position=1, choice=["11"])
    assert (partial.choice, partial.correct, partial.points) == ("11", False, 0)
    with pytest.raises(live.Refused, match="Choose one of the answers shown"):
        live.submit_answer(cy, position=1, choice=["11", "99"])
    with pytest.raises(live.Refused, match="Choose an answer"):
        live.submit_answer(cy, position=1, choice=[])
    with pytest.raises(live.AlreadyAnswered):
        live.submit_answer(ada, position=1, choice=["11", "12"])
    assert Answer.objects.get(seat=ada).choice == "11,12" and Answer.objects.count() == 2


def test_several_options_for_a_one_answer_question_are_refused(open_room):
    seat = _seated(open_room, "Ada")
    with pytest.raises(live.Refused, match="Choose one answer"):
        live.submit_answer(seat, position=1, choice=["AWS", "Customer"])
    assert not Answer.objects.exists()


def test_the_distribution_counts_each_ticked_option_and_the_misconception(db):
    room = move(multi_class(), "start")
    for name, ticked in [("Ada", ["11", "12"]), ("Bob", ["11", "13"]), ("Cy", ["13"])]:
        live.submit_answer(_seated(room, name), position=1, choice=ticked)
    dist = state.distribution(room.items.get(position=1))
    assert dist["answered"] == 3 and dist["many"]
    assert [(b["count"], b["percent"], b["right"]) for b in dist["bars"]] == [
        (2, 67, True), (1, 33, True), (2, 67, False), (0, 0, False),
    ]  # fmt: skip
    assert dist["key_label"] == "Patching the guest operating system; Configuring security groups"
    assert [(m["value"], m["count"]) for m in dist["myths"]] == [("13", 2)]


def test_close_then_reveal_from_the_same_screen_reveals_but_next_never_skips(db):
    room = move(class_with_questions(3), "start")
    seen = room.version  # the host's screen, before either key press took effect
    live.advance(room, "close", version=seen, position=1)
    revealed = live.advance(room, "reveal", version=seen, position=1)
    assert (revealed.phase, revealed.position) == (Phase.REVEALED, 1)
    seen = revealed.version
    live.advance(revealed, "next", version=seen, position=1)
    again = live.advance(revealed, "next", version=seen, position=1)  # a double press
    assert (again.phase, again.position) == (Phase.OPEN, 2)
    # A close or reveal from a screen of another question changes nothing.
    stale = live.advance(again, "reveal", version=seen, position=1)
    assert (stale.phase, stale.version) == (Phase.OPEN, again.version)


def test_a_signed_in_learners_choose_two_answer_goes_to_their_history_with_both_options(db):
    question = SingleQuestionFactory(
        kind=Kind.MULTIPLE, options=[("One", True), ("Two", True), ("Three", False)]
    )
    room = move(
        live.create_session(UserFactory(), title="Two", topic="everything", chosen=[question]), "start"
    )
    learner = LearnerFactory(user=UserFactory())
    seat = live.join(room, "Ada", learner=learner)
    right = sorted(str(o.pk) for o in question.options.filter(correct=True))
    answer = live.submit_answer(
        Seat.objects.select_related("session").get(pk=seat.pk), position=1, choice=right
    )
    response = Response.objects.get()
    assert answer.correct and response.correct and response.question == question
    assert ClassSession.objects.get(pk=room.pk).phase == Phase.CLOSED  # auto-close: the only seat answered
