"""One search over glossary terms, lessons, services, duties and myths: every word must appear
(see models.search_words)."""

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from .models import Duty, GlossaryTerm, Lesson, Misconception, Service, search_words
from .pack import term_key

LIMIT = 20  # per kind; the duty explorer pages through every duty


@dataclass
class Results:
    words: list[str]
    terms: list[GlossaryTerm] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    duty_count: int = 0
    misconceptions: list[Misconception] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.terms)
            + len(self.lessons)
            + len(self.services)
            + self.duty_count
            + len(self.misconceptions)
        )


def _every_word(queryset: QuerySet, words: list[str], *fields: str) -> QuerySet:
    for word in words:
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(match)
    return queryset.distinct()


def _named(words: list[str]) -> QuerySet:
    """Services any word names ("patch RDS" finds Amazon RDS): a service is a subject, not a statement."""
    match = Q()
    for word in words:
        match |= Q(name__icontains=word) | Q(slug=word)
    return Service.objects.filter(match).order_by("name")


def _terms(words: list[str]) -> list[GlossaryTerm]:
    """Glossary terms whose name, aliases or definition have every word. The glossary is a few dozen
    short rows, so they are matched in Python: aliases are a JSON list, searched alike on every database."""
    found = []
    for term in GlossaryTerm.objects.alphabetical():
        text = " ".join([term.term, *term.aliases, term.definition])
        # Words match where a word starts, so a short abbreviation ("SSE") is not found in "assessments".
        if all(re.search(rf"(?<![\w-]){re.escape(word)}", text, re.IGNORECASE) for word in words):
            found.append(term)
    # A term named by the search comes first ("SSE" finds server-side encryption before terms using it).
    named = {*words, " ".join(words)}
    found.sort(key=lambda t: not ({term_key(name) for name in (t.term, *t.aliases)} & named))
    return found[:LIMIT]


def search(text: str) -> Results:
    """What mentions every word of the text; a fixed number of queries."""
    words = search_words(text)
    if not words:
        return Results(words=[])
    duties = Duty.objects.search(text).select_related("layer").order_by("layer__order", "position")
    return Results(
        words=words,
        terms=_terms(words),
        lessons=list(_every_word(Lesson.objects.path(), words, "title", "summary", "body")[:LIMIT]),
        services=list(_named(words)[:LIMIT]),
        duties=list(duties[:LIMIT]),
        duty_count=duties.count(),
        misconceptions=list(_every_word(Misconception.objects.all(), words, "myth", "correction")[:LIMIT]),
    )
