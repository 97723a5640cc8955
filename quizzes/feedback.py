"""What the learner sees after answering: verdict, the right answer in words, why, and where to learn more."""

from __future__ import annotations

from dataclasses import dataclass, field

from lessons.models import Misconception

from . import questions
from .grading import grade, matched_misconception
from .models import Question, Response


@dataclass
class CellResult:
    label: str
    given: str
    expected: str
    ok: bool


@dataclass
class Feedback:
    prompt: str
    correct: bool
    score: float
    right_answer: list[str]
    your_answer: list[str]
    explanation: str
    misconception: Misconception | None
    learn_more: tuple[str, str] | None
    sources: list[str]
    cells: list[CellResult] = field(default_factory=list)


def build(
    question: Question, response: Response, *, lesson_slugs: set[str], control_types: list | None = None
) -> Feedback:
    presented = questions.present(question, control_types=control_types)
    key = questions.correct_answer(question)
    labels = dict(presented.choices)
    graded = grade(question, response.answer)
    cells: list[CellResult] = []
    if presented.fields:
        given = response.answer.get("cells", {})
        names = dict(questions.CELL_CHOICES)
        for f in presented.fields:
            expected = key["cells"][f.name]
            cells.append(
                CellResult(
                    f.label, names.get(given.get(f.name), "no answer"), names[expected], graded.cells[f.name]
                )
            )
        right, yours = [], []
    elif "choices" in key:
        right = [labels[c] for c in key["choices"]]
        yours = [labels.get(c, "?") for c in response.answer.get("choices", [])]
    else:
        right = [labels[key["choice"]]]
        yours = [labels.get(response.answer.get("choice"), "?")]
    return Feedback(
        prompt=presented.prompt,
        correct=response.correct,
        score=response.score,
        right_answer=right,
        your_answer=yours,
        explanation=questions.explanation(question),
        misconception=None if response.correct else matched_misconception(question, response.answer),
        learn_more=questions.learn_more(question, lesson_slugs=lesson_slugs),
        sources=questions.sources(question),
        cells=cells,
    )
