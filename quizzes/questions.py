"""How a question is put to the learner, and what its right answer is, read live from the data."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from lessons.models import ControlType, Owner

from .models import Kind, Question

OWNER_CHOICES = [
    (Owner.AWS, "AWS"),
    (Owner.CUSTOMER, "The customer"),
    (Owner.SHARED, "Both AWS and the customer (shared)"),
]
CELL_CHOICES = [
    ("", "Choose…"),
    (Owner.AWS, "AWS"),
    (Owner.CUSTOMER, "Customer"),
    (Owner.SHARED, "Shared"),
    (Owner.NOT_APPLICABLE, "Not applicable"),
]
SORT_CHOICES = CELL_CHOICES[:4]
MYTH_FACT_CHOICES = [("fact", "Fact"), ("myth", "Myth")]
OWNER_PHRASE = {
    Owner.AWS: "AWS is responsible for this task",
    Owner.CUSTOMER: "The customer is responsible for this task",
    Owner.SHARED: "AWS and the customer share this task",
}
# A false claim for each true owner: the owner learners most often confuse it with.
WRONG_OWNER = {Owner.AWS: Owner.CUSTOMER, Owner.CUSTOMER: Owner.AWS, Owner.SHARED: Owner.CUSTOMER}


@dataclass
class Field:
    name: str
    label: str
    choices: list[tuple[str, str]]


@dataclass
class Presented:
    """Everything the page shows before the learner answers: never the answer."""

    question: Question
    kind: str
    prompt: str
    context: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    many: bool = False
    fields: list[Field] = field(default_factory=list)
    instructions: str = ""


def _services_text(question: Question) -> str:
    names = [s.name for s in question.duty.services.all()] if question.duty else []
    cats = [c.name.lower() for c in question.duty.categories.all()] if question.duty else []
    parts = names + [f"all {c}" for c in cats]
    return f"Applies to: {', '.join(parts)}." if parts else ""


def false_owner(question: Question) -> str:
    return WRONG_OWNER[question.duty.owner]


def present(question: Question, *, control_types: list | None = None) -> Presented:
    kind = question.kind
    if kind == Kind.OWNER:
        return Presented(
            question,
            kind,
            f"Who is responsible for this task? “{question.duty.statement}”",
            context=_services_text(question),
            choices=OWNER_CHOICES,
        )
    if kind == Kind.MYTH_FACT:
        if question.misconception_id:
            claim = question.misconception.myth
            context = ""
        else:
            owner = question.duty.owner if question.statement_is_true else false_owner(question)
            claim = f"{OWNER_PHRASE[owner]}: {question.duty.statement}"
            context = _services_text(question)
        return Presented(
            question, kind, f"Myth or fact? “{claim}”", context=context, choices=MYTH_FACT_CHOICES
        )
    if kind == Kind.CONTROL:
        return Presented(
            question,
            kind,
            question.prompt,
            choices=[
                (ct.slug, ct.name)
                for ct in (control_types if control_types is not None else _control_types())
            ],
        )
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        many = kind == Kind.MULTIPLE
        return Presented(
            question,
            kind,
            question.prompt,
            choices=[(str(o.pk), o.text) for o in question.options.all()],
            many=many,
            instructions="Select all that apply, as many as the question asks." if many else "",
        )
    if kind == Kind.MATRIX:
        cells = sorted(question.service.cells.all(), key=lambda c: -c.layer.order)
        return Presented(
            question,
            kind,
            f"Fill in the matrix for {question.service.name}: who secures each layer?",
            fields=[Field(f"cell-{c.layer.slug}", c.layer.name, CELL_CHOICES) for c in cells],
            instructions="Choose an owner for every layer. Top of the stack first.",
        )
    if kind == Kind.SORT:
        return Presented(
            question,
            kind,
            question.prompt or "Sort these tasks: who is responsible for each?",
            fields=[
                Field(f"item-{item.pk}", item.duty.statement, SORT_CHOICES)
                for item in question.sort_items.all()
            ],
            instructions="Choose AWS, Customer or Shared for every statement.",
        )
    raise ValueError(f"unknown question kind {kind!r}")


def _control_types():
    return list(ControlType.objects.all())


def correct_answer(question: Question) -> dict:
    """The key, computed on the server only, after the learner has answered."""
    kind = question.kind
    if kind == Kind.OWNER:
        return {"choice": question.duty.owner}
    if kind == Kind.MYTH_FACT:
        if question.misconception_id:
            return {"choice": "myth"}
        return {"choice": "fact" if question.statement_is_true else "myth"}
    if kind == Kind.CONTROL:
        return {"choice": question.control_type.slug}
    if kind == Kind.SINGLE:
        return {"choice": next(str(o.pk) for o in question.options.all() if o.correct)}
    if kind == Kind.MULTIPLE:
        return {"choices": sorted(str(o.pk) for o in question.options.all() if o.correct)}
    if kind == Kind.MATRIX:
        return {"cells": {f"cell-{c.layer.slug}": c.owner for c in question.service.cells.all()}}
    if kind == Kind.SORT:
        return {"cells": {f"item-{i.pk}": i.duty.owner for i in question.sort_items.all()}}
    raise ValueError(f"unknown question kind {kind!r}")


def explanation(question: Question) -> str:
    if question.kind == Kind.OWNER or (question.kind == Kind.MYTH_FACT and question.duty_id):
        return question.duty.explanation
    if question.kind == Kind.MYTH_FACT:
        return question.misconception.correction
    if question.kind == Kind.MATRIX:
        return question.explanation or f"Each layer's reason is on the {question.service.name} page."
    return question.explanation


def sources(question: Question) -> list[str]:
    if question.sources:
        return question.sources
    if question.duty_id:
        return question.duty.sources
    if question.misconception_id:
        return question.misconception.sources
    if question.service_id:
        return question.service.sources
    if question.control_type_id:
        return question.control_type.sources
    return []


def learn_more(question: Question, *, lesson_slugs: set[str]) -> tuple[str, str] | None:
    """(url, label) of the page that teaches this question."""
    target = question.learn_more
    if not target:
        if question.service_id:
            return question.service.get_absolute_url(), question.service.name
        services = list(question.services.all())
        if services:
            return services[0].get_absolute_url(), services[0].name
        categories = list(question.categories.all())
        target = f"category:{categories[0].slug}" if categories else "lesson:core-split"
    prefix, _, slug = target.partition(":")
    if prefix == "service":
        return reverse("lessons:service_detail", args=[slug]), "the service page"
    if prefix == "category" and f"{slug}-services" in lesson_slugs:
        return reverse("lessons:lesson_detail", args=[f"{slug}-services"]), "the lesson on this category"
    if prefix == "lesson" and slug in lesson_slugs:
        return reverse("lessons:lesson_detail", args=[slug]), "the lesson"
    return None
