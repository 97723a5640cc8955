"""The content items a report can be about, named "kind:slug" (a matrix cell is "cell:<service>/<layer>")."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from lessons.models import Duty, MatrixCell, Misconception, Service
from quizzes.models import Question

KINDS = ("duty", "service", "cell", "misconception", "question")


@dataclass(frozen=True)
class Item:
    about: str
    kind: str
    text: str  # what the item says, as the learner saw it
    url: str  # where the learner found it
    changed_after_reports: tuple[int, ...] = ()  # reports the content files say it was changed after


def find_item(about: str) -> Item | None:
    """The item named by about, or None when there is no such item."""
    kind, _, slug = (about or "").partition(":")
    match kind:
        case "duty":
            duty = Duty.objects.filter(slug=slug).first()
            return duty and Item(
                about,
                kind,
                duty.statement,
                f"{reverse('lessons:duty_list')}?{urlencode({'q': duty.statement[:100]})}",
                tuple(duty.changed_after_reports),
            )
        case "service":
            service = Service.objects.filter(slug=slug).first()
            return service and Item(
                about, kind, service.name, service.get_absolute_url(), tuple(service.changed_after_reports)
            )
        case "cell":
            service_slug, _, layer_slug = slug.partition("/")
            cell = (
                MatrixCell.objects.select_related("service", "layer")
                .filter(service__slug=service_slug, layer__slug=layer_slug)
                .first()
            )
            return cell and Item(
                about,
                kind,
                f"{cell.service.name}, {cell.layer.name}: {cell.owner}. {cell.reason}",
                cell.service.get_absolute_url(),
                tuple(cell.changed_after_reports),
            )
        case "misconception":
            myth = Misconception.objects.filter(slug=slug).first()
            return myth and Item(
                about,
                kind,
                myth.myth,
                reverse("lessons:misconception_list"),
                tuple(myth.changed_after_reports),
            )
        case "question":
            question = Question.objects.filter(slug=slug).first()
            return question and Item(
                about,
                kind,
                _question_text(question),
                reverse("quizzes:quiz_setup"),
                tuple(getattr(question, "changed_after_reports", ())),
            )
    return None


def _question_text(question: Question) -> str:
    # Generated questions have no prompt of their own: they ask about a duty, a myth or a service's matrix.
    if question.prompt:
        return question.prompt
    if question.duty_id:
        return f"Who is responsible? {question.duty.statement}"
    if question.misconception_id:
        return f"Myth or fact? {question.misconception.myth}"
    if question.service_id:
        return f"Fill in the matrix for {question.service.name}"
    return f"Quiz question {question.slug}"
