import pytest

from classroom import engine, report
from classroom.models import Seat

from .factories import AnswerFactory, SeatFactory, class_with_questions, multi_snapshot

pytestmark = pytest.mark.django_db

# Ten learners, three questions: 1 = right, 0 = wrong; None = did not answer (counts as wrong).
MARKS = [
    [1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 0, 0, 0, None],
    [1, 0, 1, 0, 1, 0, 1, 0, 1, None],
]


def run_class(marks, *, removed=()):
    session = class_with_questions(len(marks))
    items = list(session.items.all())
    seats = [SeatFactory(session=session, nickname=f"L{n}") for n in range(len(marks[0]))]
    for item, row in zip(items, marks, strict=True):
        for seat, mark in zip(seats, row, strict=True):
            if mark is not None:
                AnswerFactory(
                    seat=seat,
                    item=item,
                    choice="Customer" if mark else "AWS",
                    correct=bool(mark),
                    points=mark,
                )
    Seat.objects.filter(nickname__in=removed).update(removed=True)
    return session


def test_facility_and_discrimination_match_hand_computed_values():
    built = report.build(run_class(MARKS))
    assert built.participants == 10 and built.discrimination_shown
    rows = {row.position: row for row in built.items}
    # Facility: share right, unanswered counted wrong.
    assert [rows[n].facility for n in (1, 2, 3)] == [0.7, 0.4, 0.5]
    # Item-rest correlation worked by hand for question 1: rest scores 2,1,2,1,1,0,1,0,1,0 (mean 0.9);
    # Sxy = 0.3 x 1.7 + (-0.7) x (-1.7) = 1.7; Sxx = 2.1; Syy = 4.9; r = 1.7 / sqrt(10.29) = 0.530.
    assert rows[1].discrimination == pytest.approx(0.530, abs=0.001)
    assert rows[2].discrimination == pytest.approx(0.3273, abs=0.0001)
    assert rows[3].discrimination == pytest.approx(0.1204, abs=0.0001)
    assert (rows[2].answered, rows[2].right) == (9, 4)


def test_discrimination_needs_ten_learners():
    built = report.build(run_class([row[:9] for row in MARKS]))
    assert built.participants == 9 and not built.discrimination_shown
    assert all(row.discrimination is None for row in built.items)
    assert built.items[0].facility == pytest.approx(7 / 9)


def test_a_question_everyone_got_right_has_no_discrimination():
    built = report.build(run_class([[1] * 10, [1, 0] * 5]))
    assert built.items[0].discrimination is None and built.items[0].facility == 1


def test_removed_seats_leave_the_report():
    built = report.build(run_class(MARKS, removed=["L0"]))
    assert built.participants == 9
    assert "L0" not in [row.nickname for row in built.learners]


def test_scores_per_nickname_rank_ties_together():
    built = report.build(run_class(MARKS))
    ranks = [(row.nickname, row.right, row.rank) for row in built.learners]
    assert ranks[:5] == [("L0", 3, 1), ("L2", 3, 1), ("L1", 2, 3), ("L3", 2, 3), ("L4", 2, 3)]


def test_the_misconceptions_the_room_revealed_are_counted():
    built = report.build(run_class(MARKS))
    # Every wrong answer here is "AWS", the misconception's choice: 3 + 5 + 4 of them.
    assert built.myths == [
        {
            "myth": "AWS patches my guest OS.",
            "correction": "You patch it.",
            "count": 12,
            "questions": [1, 2, 3],
        }
    ]


def test_csv_cells_cannot_run_as_spreadsheet_formulas():
    assert report.csv_safe(["=cmd()", "+1", "-2", "@x", "Ada", 3]) == [
        "'=cmd()",
        "'+1",
        "'-2",
        "'@x",
        "Ada",
        3,
    ]


def test_a_multiple_answer_question_gets_the_same_item_analysis_graded_all_or_nothing():
    """The MARKS above with question 1 a "choose two": right = both right options ticked, and a partly right
    answer (one right option, or a right and a wrong one) is wrong, so the hand-computed values hold."""
    session = run_class(MARKS)
    item = session.items.get(position=1)
    item.snapshot = multi_snapshot()
    item.save()
    partly = ["11", "11,13", "12", "13"]
    for n, answer in enumerate(item.answers.order_by("seat__nickname")):
        answer.choice = "11,12" if answer.correct else partly[n % len(partly)]
        assert answer.correct == engine.is_right(item.snapshot, answer.choice)
        answer.save()
    built = report.build(session)
    first = built.items[0]
    assert first.facility == 0.7 and first.discrimination == pytest.approx(0.530, abs=0.001)
    assert first.key_label == "Patching the guest operating system; Configuring security groups"
    # Seven ticked both; L7 ticked "13", L8 "11", L9 "11" and "13".
    assert [b["count"] for b in first.dist["bars"]] == [9, 7, 2, 0]
    rows = list(report.response_rows(session))
    assert [
        "L9",
        1,
        item.snapshot["prompt"],
        "Patching the guest operating system; Patching the hypervisor",
    ] == rows[9][:4]
