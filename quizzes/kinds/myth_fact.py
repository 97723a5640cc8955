"""Myth or fact? A claim that a duty belongs to an owner: a fact when it names the duty's owner.

True and false claims share one template per owner (quizzes.loading balances them), so the wording
never gives the answer away. A false claim that a known misconception makes carries its correction.
"""

from __future__ import annotations

from lessons.models import Owner

from .base import DUTY_PREFETCH, Lookups, Presented, duty_topics, record, services_text, trap

SHAPE = "choice"
TEMPLATE = "quizzes/kinds/choice.html"
PREFETCH = (*DUTY_PREFETCH, "misconception")
KEY_PREFETCH = ()
CHOICES = [("fact", "Fact"), ("myth", "Myth")]
CLAIM = {
    Owner.AWS: "AWS is responsible for this task",
    Owner.CUSTOMER: "The customer is responsible for this task",
    Owner.SHARED: "AWS and the customer share this task",
}


def claim(owner: str, statement: str) -> str:
    return f"{CLAIM[owner]}: {statement}"


def present(question, lookups: Lookups | None = None) -> Presented:
    return Presented(
        question.kind,
        f"Myth or fact? “{claim(question.claimed_owner, question.duty.statement)}”",
        context=services_text(question.duty),
        choices=CHOICES,
    )


def snapshot(question, lookups: Lookups | None = None) -> dict:
    duty = question.duty
    is_fact = question.claimed_owner == duty.owner
    owner_words = Owner(duty.owner).sentence_label
    correction = (
        question.misconception.correction
        if question.misconception and not is_fact
        else f"{'Fact' if is_fact else 'Myth'}: the owner is {owner_words}. {duty.explanation}"
    )
    traps = {"fact": trap(question.misconception)} if question.misconception and not is_fact else {}
    sources = [*duty.sources, *(question.misconception.sources if question.misconception else [])]
    return record(
        present(question),
        key={"choice": "fact" if is_fact else "myth"},
        explanation=correction,
        sources=list(dict.fromkeys(sources)),
        traps=traps,
    )


def bucket(question) -> str:
    return f"claim:{question.claimed_owner == question.duty.owner}:{question.claimed_owner}"


def topics(question) -> list[str]:
    return (["misconceptions"] if question.misconception_id else []) + duty_topics(question.duty)


def subjects(question) -> set[str]:
    return {f"duty:{question.duty_id}"}
