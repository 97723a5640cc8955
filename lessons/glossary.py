"""The glossary: first-use links from lesson bodies to the terms they use, and the page's letter groups.

`link_terms` walks the already sanitized lesson HTML with the standard library's HTML parser, so it only
ever touches text between tags: attributes, links, code and headings are left exactly as they were.

Each linked term is followed by a toggletip: a button that opens the definition in a popover. The HTML
`popover` attribute does the opening and the closing (Escape, a tap elsewhere, the Close button) without
any script, so keyboard, touch and no-JavaScript readers get the definition where hover alone gave it.
"""

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.safestring import SafeString, mark_safe

from .models import GlossaryTerm, Lesson
from .pack import term_key, term_letter

# Text inside these is never linked: it is already a link, is code, or is a heading or an abbreviation.
# Nor inside a button, label or summary, where the toggletip's buttons would nest in another control.
SKIP_TAGS = frozenset(
    {
        "a",
        "code",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "abbr",
        "script",
        "style",
        "button",
        "label",
        "summary",
    }
)
# A form matches as a whole word: not next to a letter, digit, underscore or hyphen ("SSE" is not found
# in "SSEC" or "SSE-KMS"), with an optional plural "s" ("Regions", "security groups").
EDGE_BEFORE = r"(?<![\w-])"
EDGE_AFTER = r"s?(?![\w-])"


@dataclass(frozen=True)
class Term:
    """What the linker needs to know about a glossary term."""

    slug: str
    term: str
    forms: tuple[str, ...]  # the term and its aliases
    definition: str
    url: str
    match_case: bool = False

    def markup(self, text: str) -> str:
        """The link to the entry as the author wrote the term, then the toggletip with its definition."""
        tip = html.escape(f"term-tip-{self.slug}")
        name, definition = html.escape(self.term, quote=False), html.escape(self.definition, quote=False)
        return (
            f'<a class="term-link" href="{html.escape(self.url)}">{html.escape(text, quote=False)}</a>'
            f'<button type="button" class="term-tip-button" popovertarget="{tip}">'
            f'<span aria-hidden="true">?</span><span class="visually-hidden">Define {name}</span></button>'
            f'<span class="term-tip" id="{tip}" popover><strong>{name}</strong> {definition} '
            f'<button type="button" class="term-tip-close" popovertarget="{tip}" popovertargetaction="hide">'
            f"Close</button></span>"
        )

    def matches(self, text: str) -> bool:
        """Whether matched text is this term as written (case-insensitive unless the term says otherwise)."""
        if not self.match_case:
            return True
        written = {" ".join(form.split()) for form in self.forms}
        text = " ".join(text.split())
        return text in written or text.removesuffix("s") in written


def term_pattern(terms: Iterable[Term]) -> re.Pattern | None:
    """One pattern matching any form of any term; longer forms first, so "guest OS" beats "OS"."""
    forms = sorted({" ".join(f.split()) for t in terms for f in t.forms if f.strip()}, key=len, reverse=True)
    if not forms:
        return None
    # Spaces in a form match any run of whitespace (Markdown keeps the author's line breaks).
    alternatives = "|".join(r"\s+".join(map(re.escape, form.split(" "))) for form in forms)
    return re.compile(f"{EDGE_BEFORE}(?:{alternatives}){EDGE_AFTER}", re.IGNORECASE)


class _Linker(HTMLParser):
    def __init__(self, terms: list[Term]):
        super().__init__(convert_charrefs=True)
        self.by_form = {term_key(form): term for term in terms for form in term.forms}
        self.pattern = term_pattern(terms)
        self.linked: list[str] = []
        self.skipping = 0
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skipping += 1
        self.out.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self.skipping:
            self.skipping -= 1
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if self.skipping or self.pattern is None:
            self.out.append(html.escape(data, quote=False))
            return
        end = 0
        for match in self.pattern.finditer(data):
            text = match.group(0)
            term = self.by_form.get(term_key(text)) or self.by_form.get(term_key(text[:-1]))
            if term is None or term.slug in self.linked or not term.matches(text):
                continue
            self.linked.append(term.slug)
            self.out.append(html.escape(data[end : match.start()], quote=False))
            self.out.append(term.markup(text))
            end = match.end()
        self.out.append(html.escape(data[end:], quote=False))


@dataclass(frozen=True)
class Linked:
    html: SafeString
    slugs: tuple[str, ...]  # the terms linked, in the order they first appear


def link_terms(body_html: str, terms: list[Term]) -> Linked:
    """The first use of each glossary term in sanitized HTML, linked to its entry (never inside a link,
    code or a heading); the result is as safe as the input, because only text nodes change."""
    linker = _Linker(terms)
    linker.feed(body_html)
    linker.close()
    return Linked(mark_safe("".join(linker.out)), tuple(linker.linked))


def as_terms(rows: Iterable[GlossaryTerm]) -> list[Term]:
    return [
        Term(
            slug=t.slug,
            term=t.term,
            forms=(t.term, *t.aliases),
            definition=t.definition,
            url=t.get_absolute_url(),
            match_case=t.match_case,
        )
        for t in rows
    ]


def linkable_terms() -> list[Term]:
    """Every glossary term as the linker needs it (one query)."""
    return as_terms(GlossaryTerm.objects.only("slug", "term", "aliases", "match_case", "definition"))


def lesson_body(lesson: Lesson, terms: list[Term]) -> SafeString:
    """A lesson's sanitized body with the first use of each glossary term linked."""
    return link_terms(lesson.body_html, terms).html


def first_uses(terms: list[Term]) -> dict[str, list[Lesson]]:
    """For each term slug, the lessons (in path order) whose body links it: where a learner meets it."""
    uses: dict[str, list[Lesson]] = {}
    for lesson in Lesson.objects.path().only("slug", "title", "order", "body"):
        for slug in link_terms(lesson.body_html, terms).slugs:
            uses.setdefault(slug, []).append(lesson)
    return uses


@dataclass(frozen=True)
class SeeAlso:
    """A cross-reference on the glossary page: an alias filed under its own letter ("IAM, see AWS Identity
    and Access Management")."""

    name: str
    term: GlossaryTerm
    letter: str


def letter_groups(terms: Iterable[GlossaryTerm]) -> list[tuple[str, list[GlossaryTerm | SeeAlso]]]:
    """Terms and cross-references, A to Z, grouped under their first letter for the letter jumps.

    An alias gets a cross-reference only where it starts with another letter than its term, once per
    term and letter (the first such alias), so a learner looking up "IAM" under I finds the way to "AWS
    Identity and Access Management" under A.
    """
    entries: list[GlossaryTerm | SeeAlso] = []
    for term in terms:
        entries.append(term)
        letters = {term.letter}
        for alias in term.aliases:
            if term_letter(alias) not in letters:
                letters.add(term_letter(alias))
                entries.append(SeeAlso(alias, term, term_letter(alias)))
    entries.sort(
        key=lambda e: ((e.name if isinstance(e, SeeAlso) else e.term).casefold(), isinstance(e, SeeAlso))
    )
    groups: dict[str, list[GlossaryTerm | SeeAlso]] = {}
    for entry in entries:
        groups.setdefault(entry.letter, []).append(entry)
    return sorted(groups.items(), key=lambda group: (group[0] == "#", group[0]))
