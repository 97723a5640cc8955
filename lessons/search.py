"""One search over lessons, services, duties and myths: every word must appear (see models.search_words)."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from .models import Duty, Lesson, Misconception, Service, search_words

LIMIT = 20  # per kind; the duty explorer pages through every duty


@dataclass
class Results:
    words: list[str]
    lessons: list[Lesson] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    duty_count: int = 0
    misconceptions: list[Misconception] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.lessons) + len(self.services) + self.duty_count + len(self.misconceptions)


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


def search(text: str) -> Results:
    """What mentions every word of the text; a fixed number of queries."""
    words = search_words(text)
    if not words:
        return Results(words=[])
    duties = Duty.objects.search(text).select_related("layer").order_by("layer__order", "position")
    return Results(
        words=words,
        lessons=list(_every_word(Lesson.objects.path(), words, "title", "summary", "body")[:LIMIT]),
        services=list(_named(words)[:LIMIT]),
        duties=list(duties[:LIMIT]),
        duty_count=duties.count(),
        misconceptions=list(_every_word(Misconception.objects.all(), words, "myth", "correction")[:LIMIT]),
    )
