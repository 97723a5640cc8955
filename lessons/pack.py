"""Read the content pack (content/*.yaml) and check every rule before anything touches the database.

Pure Python (PyYAML only), so writers can run `python -m lessons.pack` without Django.
"""

from __future__ import annotations

import datetime
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

# libyaml's C parser where PyYAML was built with it: several times faster on the whole pack.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
OWNERS = ("AWS", "Customer", "Shared", "N/A")
# CLF-C02 Domain 2 task statements an item can serve (docs/content-format.md), with the exam guide's titles.
EXAM_TASK_TITLES = {
    "2.1": "Task 2.1: the AWS shared responsibility model",
    "2.2": "Task 2.2: security, governance and compliance concepts",
    "2.3": "Task 2.3: access management",
    "2.4": "Task 2.4: security resources and components",
}
EXAM_TASKS = tuple(EXAM_TASK_TITLES)
DUTY_OWNERS = ("AWS", "Customer", "Shared")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "content"

# kind -> (file pattern relative to the pack root, top-level key or None for one item per file)
FILES = {
    "layers": ("layers.yaml", "layers"),
    "categories": ("categories.yaml", "categories"),
    "wordings": ("categories.yaml", "wordings"),
    "services": ("services/*.yaml", None),
    "duties": ("duties/*.yaml", "duties"),
    "misconceptions": ("misconceptions.yaml", "misconceptions"),
    "control_types": ("control_types.yaml", "control_types"),
    "best_practices": ("best_practices.yaml", "best_practices"),
    "compliance": ("compliance.yaml", "compliance"),
    "exam_tasks": ("exam.yaml", "exam_tasks"),
    "lessons": ("lessons/*.md", "front-matter"),
    "questions": ("questions/*.yaml", "questions"),
    "glossary": ("glossary.yaml", "terms"),
}
# Kinds a pack may lack (a small pack for tests, or one being written); the real pack's tests require them.
OPTIONAL = {"lessons", "questions", "glossary"}
LESSON_SHOWS = {
    "core-matrix",
    "category-matrix",
    "control-types",
    "wordings",
    "services",
    "misconceptions",
    "best-practices",
    "compliance",
    "exam",
    "cheat-sheet",
}
QUESTION_KINDS = ("single", "multiple")

# The quiz topic grammar, parsed only here: a fixed topic, or <prefix>:<slug> naming pack content.
# Lessons declare what they teach (`teaches:`) and which quiz ends them (`quiz:`) in this grammar.
FIXED_TOPICS = ("everything", "misconceptions", "control-types")
# "lesson:<slug>" means what that lesson and the lessons before it teach (their `teaches:` topics).
TOPIC_PREFIXES = {"category": "categories", "service": "services", "layer": "layers", "lesson": "lessons"}


@dataclass(frozen=True)
class Topic:
    """A parsed quiz topic: name is a fixed topic or a prefix; slug is set for prefixed topics."""

    name: str
    slug: str = ""

    def __str__(self) -> str:
        return f"{self.name}:{self.slug}" if self.slug else self.name


def parse_topic(text: str) -> Topic | None:
    """The topic a string names, or None when it is not in the grammar (slugs are not checked here)."""
    if text in FIXED_TOPICS:
        return Topic(text)
    prefix, sep, slug = str(text).partition(":")
    if sep and prefix in TOPIC_PREFIXES and SLUG_RE.match(slug):
        return Topic(prefix, slug)
    if prefix == "task" and slug in EXAM_TASKS:
        return Topic(prefix, slug)
    return None


TEXT_KEYS = {"categories.yaml": ("difference", "disagreement")}


class DATE:
    """A quoted "YYYY-MM-DD" day, not in the future."""


class TASKS:
    """A non-empty list of CLF-C02 task numbers such as "2.1"."""


class REPORTS:
    """A list of problem report numbers (positive integers) the item was changed after."""


# kind -> {field: (type, required)}
STR, INT, BOOL, LIST, DICT = str, int, bool, list, dict
FIELDS: dict[str, dict[str, tuple[type, bool]]] = {
    "layers": {"slug": (STR, True), "name": (STR, True), "order": (INT, True), "description": (STR, True)},
    "categories": {
        "slug": (STR, True),
        "name": (STR, True),
        "summary": (STR, True),
        "aws_manages": (STR, True),
        "customer_manages": (STR, True),
        "examples": (LIST, False),
        "two_category_home": (STR, True),
        "sources": (LIST, True),
    },
    "wordings": {
        "slug": (STR, True),
        "name": (STR, True),
        "description": (STR, True),
        "categories": (LIST, True),
        "sources": (LIST, True),
    },
    "services": {
        "slug": (STR, True),
        "name": (STR, True),
        "category": (STR, True),
        "category_inferred": (BOOL, False),
        "summary": (STR, True),
        "sources": (LIST, True),
        "matrix": (DICT, True),
        "changed_after_reports": (REPORTS, False),
    },
    "duties": {
        "slug": (STR, True),
        "statement": (STR, True),
        "owner": (STR, True),
        "layer": (STR, True),
        "services": (LIST, False),
        "categories": (LIST, False),
        "explanation": (STR, True),
        "sources": (LIST, True),
        "exam_tasks": (TASKS, True),
        "checked_on": (DATE, True),
        "changed_after_reports": (REPORTS, False),
    },
    "misconceptions": {
        "slug": (STR, True),
        "myth": (STR, True),
        "correction": (STR, True),
        "wrong_owner": (STR, False),
        "layers": (LIST, True),
        "services": (LIST, False),
        "duties": (LIST, False),
        "sources": (LIST, True),
        "exam_tasks": (TASKS, True),
        "checked_on": (DATE, True),
        "changed_after_reports": (REPORTS, False),
    },
    "control_types": {
        "slug": (STR, True),
        "name": (STR, True),
        "description": (STR, True),
        "aws_part": (STR, True),
        "customer_part": (STR, True),
        "examples": (LIST, True),
        "duties": (LIST, False),
        "sources": (LIST, True),
    },
    "best_practices": {
        "slug": (STR, True),
        "title": (STR, True),
        "summary": (STR, True),
        "duties": (LIST, True),
        "services": (LIST, False),
        "other_tools": (LIST, False),
        "sources": (LIST, True),
    },
    "compliance": {
        "slug": (STR, True),
        "framework": (STR, True),
        "aws_attests": (STR, True),
        "customer_owns": (STR, True),
        "sources": (LIST, True),
    },
    "exam_tasks": {
        "slug": (STR, True),
        "exam": (STR, True),
        "domain": (STR, True),
        "title": (STR, True),
        "skills": (LIST, True),
        "related": (LIST, False),
        "sources": (LIST, True),
    },
    "lessons": {
        "slug": (STR, True),
        "title": (STR, True),
        "order": (INT, True),
        "objectives": (LIST, True),
        "summary": (STR, True),
        "shows": (LIST, False),
        "quiz": (STR, False),
        "teaches": (LIST, False),
        "relies_on": (LIST, False),
        "sources": (LIST, True),
        "body": (STR, True),
    },
    "questions": {
        "slug": (STR, True),
        "kind": (STR, True),
        "prompt": (STR, True),
        "options": (LIST, True),
        "explanation": (STR, True),
        "learn_more": (STR, True),
        "relies_on": (LIST, False),
        "duties": (LIST, False),
        "layers": (LIST, True),
        "services": (LIST, False),
        "categories": (LIST, False),
        "sources": (LIST, True),
        "exam_tasks": (TASKS, True),
        "checked_on": (DATE, True),
        "changed_after_reports": (REPORTS, False),
    },
    "glossary": {
        "slug": (STR, True),
        "term": (STR, True),
        "aliases": (LIST, False),
        "match_case": (BOOL, False),
        "definition": (STR, True),
        "layers": (LIST, False),
        "services": (LIST, False),
        "lessons": (LIST, False),
        "sources": (LIST, True),
        "checked_on": (DATE, True),
    },
}
OPTION_FIELDS = {
    "text": (STR, True),
    "correct": (BOOL, True),
    "explanation": (STR, True),
    "misconception": (STR, False),
}
# The longest value each field may have: the max_length of the model field that stores it (a test keeps
# the two equal), so a pack that validates also loads on PostgreSQL, which refuses longer values.
MAX_LENGTHS = {
    "layers": {"slug": 100, "name": 120},
    "categories": {"slug": 100, "name": 120},
    "wordings": {"slug": 100, "name": 120},
    "services": {"slug": 100, "name": 120},
    "duties": {"slug": 100, "statement": 300},
    "misconceptions": {"slug": 100},
    "control_types": {"slug": 100, "name": 120},
    "best_practices": {"slug": 100, "title": 200},
    "compliance": {"slug": 100, "framework": 200},
    "exam_tasks": {"slug": 100, "exam": 200, "domain": 200, "title": 300},
    "lessons": {"slug": 100, "title": 200, "quiz": 100},
    "questions": {"slug": 120, "learn_more": 120},
    "options": {"text": 400},
    "glossary": {"slug": 100, "term": 120, "definition": 500},
}
# Duties and questions remember their file's name (content/duties/<group>.yaml) in a field this long.
GROUP_MAX_LENGTH = 50
# Layer and lesson orders are stored as positive small integers.
MAX_ORDER = 32767
# Lists of prose, where YAML turns an unquoted entry holding ": " into a mapping (or "yes" into a bool).
TEXT_LISTS = {"objectives", "examples", "other_tools", "skills"}
FACT_FIELDS = {"service": (STR, True), "layer": (STR, True), "owner": (STR, True)}
# A lesson's fact may cover every service ("service: every"), minus the ones it names as exceptions.
LESSON_FACT_FIELDS = {**FACT_FIELDS, "except": (LIST, False)}
EVERY_SERVICE = "every"
NOUNS = {
    "layers": "layer",
    "categories": "category",
    "wordings": "wording",
    "services": "service",
    "duties": "duty",
    "misconceptions": "misconception",
    "control_types": "control type",
    "best_practices": "best practice",
    "compliance": "compliance topic",
    "exam_tasks": "exam task",
    "lessons": "lesson",
    "questions": "question",
    "glossary": "glossary term",
}
CELL_FIELDS = {
    "owner": (STR, True),
    "reason": (STR, True),
    "condition": (STR, False),
    "sources": (LIST, False),
    "checked_on": (DATE, True),
    "changed_after_reports": (REPORTS, False),
}


@dataclass(frozen=True)
class Problem:
    """One broken rule: where it is and what is wrong."""

    file: str
    item: str
    rule: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.rule}"


class PackError(Exception):
    """The pack broke one or more rules; nothing should be loaded."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Item:
    kind: str
    data: dict
    file: str

    @property
    def slug(self) -> str:
        return str(self.data.get("slug", "?"))


@dataclass
class Pack:
    root: Path
    items: dict[str, list[Item]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    read_problems: list[Problem] = field(default_factory=list)

    def __getitem__(self, kind: str) -> list[Item]:
        return self.items.get(kind, [])


def owner_conflict(duty_owner: str, cell_owner: str | None) -> str | None:
    """Why a duty's owner disagrees with a matrix cell, or None when they agree.

    A Shared cell agrees with any duty owner: each party has a concrete part of that layer.
    """
    if cell_owner is None:
        return "has no matrix cell on that layer"
    if cell_owner == "N/A":
        return "has that layer marked N/A"
    if cell_owner == "Shared" or cell_owner == duty_owner:
        return None
    return f"has {cell_owner} on that layer, but the duty says {duty_owner}"


def is_source_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.netloc) and " " not in value


def read_pack(root: Path = DEFAULT_ROOT) -> Pack:
    """Parse every pack file; files that cannot be read as the format expects become read_problems."""
    pack = Pack(root=root)
    problems = pack.read_problems
    parsed: dict[Path, object] = {}
    for kind, (pattern, key) in FILES.items():
        paths = sorted(root.glob(pattern))
        if not paths:
            if kind not in OPTIONAL:
                problems.append(Problem(pattern, "-", "file is missing"))
            continue
        for path in paths:
            rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
            if key == "front-matter":
                entry = _read_front_matter(path, rel, problems)
                if entry is not None:
                    pack.items.setdefault(kind, []).append(Item(kind, entry, rel))
                continue
            if path not in parsed:
                try:
                    parsed[path] = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
                except (yaml.YAMLError, UnicodeDecodeError) as exc:
                    problems.append(Problem(rel, *_yaml_error(exc)))
                    parsed[path] = None
                    continue
            doc = parsed[path]
            if doc is None and key is not None and kind != "wordings":
                continue
            if key is None:
                entries = [doc]
            elif not isinstance(doc, dict) or not isinstance(doc.get(key), list):
                problems.append(Problem(rel, "-", f"must be a mapping with a '{key}:' list"))
                continue
            else:
                entries = doc[key]
            for index, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    problems.append(Problem(rel, f"#{index + 1}", "must be a mapping"))
                    continue
                pack.items.setdefault(kind, []).append(Item(kind, entry, rel))
            for text_key in TEXT_KEYS.get(path.name, ()):
                if isinstance(doc, dict) and isinstance(doc.get(text_key), str):
                    pack.texts[text_key] = doc[text_key]
    return pack


def _yaml_error(exc: Exception) -> tuple[str, str]:
    """(where, why) for a file PyYAML could not parse: the line and column of the error, and its cause."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "-"
    cause = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    why = f"{context}, {cause}" if context else cause
    return where, f"is not valid YAML: {why}".replace("\n", " ")


def _read_front_matter(path: Path, rel: str, problems: list[Problem]) -> dict | None:
    """A Markdown file that starts with a '---' YAML block; the rest is the body."""
    text = path.read_text(encoding="utf-8")
    parts = text.split("\n---", 1) if text.startswith("---") else []
    if len(parts) != 2:
        problems.append(Problem(rel, "-", "must start with a '---' front matter block closed by '---'"))
        return None
    try:
        meta = yaml.load(parts[0].removeprefix("---"), Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        where, why = _yaml_error(exc)
        problems.append(Problem(rel, where, f"front matter {why}"))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(rel, "-", "front matter must be a mapping"))
        return None
    return {**meta, "body": parts[1].lstrip("-").strip("\n") + "\n"}


class _Checker:
    def __init__(self, pack: Pack):
        self.pack = pack
        self.problems: list[Problem] = []

    def fail(self, item: Item, rule: str) -> None:
        self.problems.append(Problem(item.file, f"{NOUNS[item.kind]} '{item.slug}'", rule))

    def slugs(self, kind: str) -> set[str]:
        return {str(i.data.get("slug")) for i in self.pack[kind]}

    def check_fields(
        self, item: Item, fields: dict, data: dict, where: str = "", lengths: dict | None = None
    ) -> None:
        for name, (kind, required) in fields.items():
            value = data.get(name)
            if value is None:
                if required:
                    self.fail(item, f"{where}'{name}' is required")
                continue
            if kind is DATE:
                self.check_date(item, name, value, where)
            elif kind is TASKS:
                self.check_tasks(item, name, value, where)
            elif kind is REPORTS:
                self.check_reports(item, name, value, where)
            elif kind is INT and isinstance(value, bool) or not isinstance(value, kind):
                self.fail(item, f"{where}'{name}' must be a {kind.__name__}")
            elif kind is STR and not value.strip():
                self.fail(item, f"{where}'{name}' must not be empty")
            elif name in TEXT_LISTS and not all(isinstance(entry, str) and entry.strip() for entry in value):
                self.fail(item, f"{where}'{name}' must list text; quote any entry that contains ': '")
            elif kind is STR and name in (lengths or {}) and len(value.strip()) > lengths[name]:
                self.fail(
                    item,
                    f"{where}'{name}' is {len(value.strip())} characters long; the most is {lengths[name]}",
                )
            elif kind is INT and not 0 <= value <= MAX_ORDER:
                self.fail(item, f"{where}'{name}' must be between 0 and {MAX_ORDER}")
        for name in data:
            if name not in fields:
                self.fail(item, f"{where}unknown field '{name}'")

    def check_date(self, item: Item, name: str, value: object, where: str = "") -> None:
        if isinstance(value, datetime.date):
            self.fail(item, f"{where}'{name}' must be quoted, like \"{value.isoformat()}\"")
            return
        try:
            day = datetime.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.fail(item, f"{where}'{name}' must be a date written YYYY-MM-DD, not '{value}'")
        elif day > datetime.date.today():
            self.fail(item, f"{where}'{name}' {value} is in the future")

    def check_reports(self, item: Item, name: str, value: object, where: str = "") -> None:
        numbers = value if isinstance(value, list) else [None]
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in numbers):
            self.fail(item, f"{where}'{name}' must list report numbers, like [12, 31]")
        elif len(numbers) != len(set(numbers)):
            self.fail(item, f"{where}'{name}' lists the same report twice")

    def check_tasks(self, item: Item, name: str, value: object, where: str = "") -> None:
        if not isinstance(value, list) or not value:
            self.fail(item, f"{where}'{name}' must list one or more of {', '.join(EXAM_TASKS)}")
            return
        for task in value:
            if isinstance(task, float | int):
                self.fail(item, f"{where}'{name}' values must be quoted, like \"{task}\"")
            elif task not in EXAM_TASKS:
                self.fail(item, f"{where}'{name}' has unknown task '{task}' (known: {', '.join(EXAM_TASKS)})")
        if len(value) != len(set(map(str, value))):
            self.fail(item, f"{where}'{name}' lists the same task twice")

    def check_refs(self, item: Item, name: str, kind: str, *, at_least_one: bool = False) -> None:
        values = item.data.get(name) or []
        if not isinstance(values, list):
            return
        known = self.slugs(kind)
        for value in values:
            if value not in known:
                self.fail(item, f"'{name}' names unknown {NOUNS[kind]} '{value}'")
        if len(values) != len(set(map(str, values))):
            self.fail(item, f"'{name}' lists the same slug twice")
        if at_least_one and not values:
            self.fail(item, f"'{name}' needs at least one entry")

    def check_sources(self, item: Item, sources: object, where: str = "", *, required: bool = True) -> None:
        if sources is None and not required:
            return
        if not isinstance(sources, list) or (required and not sources):
            self.fail(item, f"{where}needs at least one source URL")
            return
        for url in sources:
            if not is_source_url(url):
                self.fail(item, f"{where}source '{url}' is not an https:// URL")

    def run(self) -> list[Problem]:
        if self.pack.read_problems:
            # A file that cannot be read hides its items, so every rule naming them would fail too:
            # report only what stopped the reading.
            return list(self.pack.read_problems)
        for kind, fields in FIELDS.items():
            seen: dict[str, Item] = {}
            for item in self.pack[kind]:
                self.check_fields(item, fields, item.data, lengths=MAX_LENGTHS.get(kind))
                if kind in ("duties", "questions") and len(Path(item.file).stem) > GROUP_MAX_LENGTH:
                    self.fail(item, f"its file name is longer than {GROUP_MAX_LENGTH} characters")
                slug = item.data.get("slug")
                if isinstance(slug, str) and not SLUG_RE.match(slug):
                    self.fail(item, "slug must be lowercase words joined by hyphens")
                if slug in seen:
                    self.fail(item, f"slug is not unique (also in {seen[slug].file})")
                seen.setdefault(slug, item)
                if "sources" in fields:
                    self.check_sources(item, item.data.get("sources"))
        self.check_layers()
        self.check_categories()
        cells = self.check_services()
        self.check_duties(cells)
        self.check_misconceptions()
        self.check_best_practices()
        self.check_lessons(cells)
        self.check_questions(cells)
        self.check_owner_claims_are_asked()
        self.check_glossary()
        return self.problems

    def check_layers(self) -> None:
        orders: dict[object, str] = {}
        for item in self.pack["layers"]:
            order = item.data.get("order")
            if isinstance(order, int) and order < 1:
                self.fail(item, "'order' must be 1 or more")
            if order in orders:
                self.fail(item, f"'order' {order} is also used by layer '{orders[order]}'")
            orders.setdefault(order, item.slug)

    def check_categories(self) -> None:
        slugs = self.slugs("categories")
        for item in self.pack["categories"]:
            home = item.data.get("two_category_home")
            if isinstance(home, str) and home not in slugs:
                self.fail(item, f"'two_category_home' names unknown category '{home}'")
        for item in self.pack["wordings"]:
            self.check_refs(item, "categories", "categories", at_least_one=True)

    def check_services(self) -> dict[tuple[str, str], str]:
        layers = self.slugs("layers")
        categories = self.slugs("categories")
        cells: dict[tuple[str, str], str] = {}
        for item in self.pack["services"]:
            category = item.data.get("category")
            if isinstance(category, str) and category not in categories:
                self.fail(item, f"'category' names unknown category '{category}'")
            matrix = item.data.get("matrix")
            if not isinstance(matrix, dict):
                continue
            for layer in sorted(layers - set(matrix)):
                self.fail(item, f"matrix has no owner for layer '{layer}'")
            for layer, cell in matrix.items():
                where = f"matrix cell '{layer}': "
                if layer not in layers:
                    self.fail(item, f"{where}unknown layer")
                    continue
                if not isinstance(cell, dict):
                    self.fail(item, f"{where}must be a mapping with owner and reason")
                    continue
                self.check_fields(item, CELL_FIELDS, cell, where)
                owner = cell.get("owner")
                if owner not in OWNERS:
                    self.fail(item, f"{where}owner must be one of {', '.join(OWNERS)}")
                    continue
                self.check_sources(item, cell.get("sources"), where, required=False)
                cells[(item.slug, layer)] = owner
        return cells

    def check_duties(self, cells: dict[tuple[str, str], str]) -> None:
        by_category: dict[str, list[str]] = {}
        for service in self.pack["services"]:
            by_category.setdefault(str(service.data.get("category")), []).append(service.slug)
        layers = self.slugs("layers")
        known_services = self.slugs("services")
        for item in self.pack["duties"]:
            owner, layer = item.data.get("owner"), item.data.get("layer")
            if owner not in DUTY_OWNERS:
                self.fail(item, f"owner must be one of {', '.join(DUTY_OWNERS)}")
            if layer not in layers:
                self.fail(item, f"'layer' names unknown layer '{layer}'")
            self.check_refs(item, "services", "services")
            self.check_refs(item, "categories", "categories")
            services = list(item.data.get("services") or [])
            for category in item.data.get("categories") or []:
                services += by_category.get(category, [])
            rule = duty_scope_problem(services, item.data.get("categories") or [])
            if rule:
                self.fail(item, rule)
            if owner not in DUTY_OWNERS or layer not in layers:
                continue
            for service in dict.fromkeys(services):
                if service in known_services:
                    why = owner_conflict(owner, cells.get((service, layer)))
                    if why:
                        self.fail(item, f"owner disagrees with the matrix: service '{service}' {why}")

    def check_misconceptions(self) -> None:
        for item in self.pack["misconceptions"]:
            wrong = item.data.get("wrong_owner")
            if wrong is not None and wrong not in DUTY_OWNERS:
                self.fail(item, f"'wrong_owner' must be one of {', '.join(DUTY_OWNERS)}")
            self.check_refs(item, "layers", "layers", at_least_one=True)
            self.check_refs(item, "services", "services")
            self.check_refs(item, "duties", "duties")

    def check_owner_claims_are_asked(self) -> None:
        """Every owner claim the pack makes outside a duty must also be a question source.

        Generated questions come from duties, so a claim made only in a cell's condition, a myth's
        correction or a control type's parts would never be asked. Each must point at a duty that asks it.
        """
        by_category: dict[str, list[str]] = {}
        for service in self.pack["services"]:
            by_category.setdefault(str(service.data.get("category")), []).append(service.slug)
        asked: set[tuple[str, str]] = set()
        for duty in self.pack["duties"]:
            services = list(duty.data.get("services") or [])
            for category in duty.data.get("categories") or []:
                services += by_category.get(category, [])
            asked |= {(service, str(duty.data.get("layer"))) for service in services}
        for item in self.pack["services"]:
            matrix = item.data.get("matrix")
            for layer, cell in matrix.items() if isinstance(matrix, dict) else []:
                conditional = isinstance(cell, dict) and cell.get("condition") and cell.get("owner") != "N/A"
                if conditional and (item.slug, layer) not in asked:
                    self.fail(
                        item,
                        f"matrix cell '{layer}': its condition states an owner that no question asks; "
                        f"add a duty for this service on '{layer}'",
                    )
        for item in self.pack["misconceptions"]:
            if not item.data.get("duties"):
                self.fail(
                    item, "its correction states an owner that no question asks; name its duty under 'duties'"
                )
        for item in self.pack["control_types"]:
            self.check_refs(item, "duties", "duties")
            if not item.data.get("duties"):
                self.fail(
                    item,
                    "its AWS and customer parts state owners that no question asks; name duties under 'duties'",
                )

    def check_best_practices(self) -> None:
        duty_owner = {d.slug: d.data.get("owner") for d in self.pack["duties"]}
        for item in self.pack["best_practices"]:
            self.check_refs(item, "duties", "duties", at_least_one=True)
            self.check_refs(item, "services", "services")
            duties = item.data.get("duties") or []
            for rule in best_practice_problems({slug: duty_owner.get(slug) for slug in duties}):
                self.fail(item, rule)

    def check_lessons(self, cells: dict[tuple[str, str], str]) -> None:
        categories = self.slugs("categories")
        orders: dict[object, str] = {}
        for item in self.pack["lessons"]:
            order = item.data.get("order")
            if order in orders:
                self.fail(item, f"'order' {order} is also used by lesson '{orders[order]}'")
            orders.setdefault(order, item.slug)
            for show in item.data.get("shows") or []:
                prefix, _, slug = str(show).partition(":")
                if not (show in LESSON_SHOWS or (prefix == "category" and slug in categories)):
                    self.fail(item, f"'shows' has unknown block '{show}'")
            quiz = item.data.get("quiz")
            if quiz is not None and not self.is_topic(str(quiz)):
                self.fail(item, f"'quiz' has unknown topic '{quiz}'")
            teaches = item.data.get("teaches") or []
            for topic in teaches if isinstance(teaches, list) else []:
                if not self.is_topic(str(topic)) or topic == "everything" or str(topic).startswith("lesson:"):
                    self.fail(item, f"'teaches' has unknown topic '{topic}'")
            self.check_lesson_facts(item, cells)

    def check_lesson_facts(self, item: Item, cells: dict[tuple[str, str], str]) -> None:
        """The owners a lesson's text states (declared under relies_on) must be the matrix's owners."""
        services = self.slugs("services")
        facts = item.data.get("relies_on") or []
        for fact in facts if isinstance(facts, list) else []:
            if not isinstance(fact, dict):
                self.fail(item, "'relies_on' entries must be mappings of service, layer, owner")
                continue
            self.check_fields(item, LESSON_FACT_FIELDS, fact, "relies_on: ")
            service, layer, owner = fact.get("service"), fact.get("layer"), fact.get("owner")
            exceptions = fact.get("except") or []
            for name in exceptions if isinstance(exceptions, list) else []:
                if name not in services:
                    self.fail(item, f"relies_on: 'except' names unknown service '{name}'")
            named = sorted(services - set(exceptions)) if service == EVERY_SERVICE else [service]
            wrong = [s for s in named if cells.get((s, layer)) != owner]
            if service != EVERY_SERVICE and (service, layer) not in cells:
                self.fail(item, f"relies_on names no matrix cell: service '{service}', layer '{layer}'")
            elif wrong:
                found = ", ".join(f"{s} has {cells.get((s, layer), 'no cell')}" for s in wrong)
                self.fail(
                    item,
                    f"the lesson says {service} service / {layer} is {owner}, but the matrix disagrees: {found}",
                )

    def is_topic(self, text: str) -> bool:
        """In the topic grammar, naming content that exists."""
        topic = parse_topic(text)
        if topic is None:
            return False
        if topic.name not in TOPIC_PREFIXES:
            return True  # fixed topics and exam tasks (task:2.1) are complete in the grammar
        return topic.slug in self.slugs(TOPIC_PREFIXES[topic.name])

    def check_questions(self, cells: dict[tuple[str, str], str]) -> None:
        targets = {
            "service": self.slugs("services"),
            "category": self.slugs("categories"),
            "lesson": self.slugs("lessons"),
        }
        misconceptions = self.slugs("misconceptions")
        for item in self.pack["questions"]:
            kind = item.data.get("kind")
            if kind not in QUESTION_KINDS:
                self.fail(item, "'kind' must be single or multiple")
            options = item.data.get("options")
            if isinstance(options, list):
                for number, option in enumerate(options, start=1):
                    if not isinstance(option, dict):
                        self.fail(item, f"option {number} must be a mapping")
                        continue
                    self.check_fields(
                        item, OPTION_FIELDS, option, f"option {number}: ", lengths=MAX_LENGTHS["options"]
                    )
                    myth = option.get("misconception")
                    if myth is not None and myth not in misconceptions:
                        self.fail(item, f"option {number}: names unknown misconception '{myth}'")
                for rule in option_problems(kind, [o for o in options if isinstance(o, dict)]):
                    self.fail(item, rule)
            rule = learn_more_problem(item.data.get("learn_more", ""), targets)
            if rule:
                self.fail(item, rule)
            facts = item.data.get("relies_on") or []
            for fact in facts:
                if isinstance(fact, dict):
                    self.check_fields(item, FACT_FIELDS, fact, "relies_on: ")
            for rule in relies_on_problems(facts, cells):
                self.fail(item, rule)
            self.check_refs(item, "duties", "duties")
            self.check_refs(item, "layers", "layers", at_least_one=True)
            self.check_refs(item, "services", "services")
            self.check_refs(item, "categories", "categories")

    def check_glossary(self) -> None:
        forms: dict[str, str] = {}
        for item in self.pack["glossary"]:
            self.check_refs(item, "layers", "layers")
            self.check_refs(item, "services", "services")
            self.check_refs(item, "lessons", "lessons")
            aliases = item.data.get("aliases") or []
            if not isinstance(aliases, list):
                continue
            for rule in glossary_alias_problems(item.data.get("term"), aliases, forms, slug=item.slug):
                self.fail(item, rule)


def term_key(text: str) -> str:
    """How a glossary term or alias is compared and matched: case and spacing do not count."""
    return " ".join(text.split()).casefold()


def term_letter(text: str) -> str:
    """The letter a glossary term or alias is filed under ("#" for a digit or symbol)."""
    first = text.strip()[:1].upper()
    return first if first.isalpha() else "#"


def glossary_alias_problems(term: object, aliases: list, taken: dict[str, str], *, slug: str) -> list[str]:
    """A term's name and aliases are non-empty, fit their column and name no other term (loader and admin).

    taken maps each name or alias already claimed (term_key) to the slug of its term; this term's own
    names are added to it, so calling it term after term checks the whole glossary.
    """
    problems = []
    names = [term] if isinstance(term, str) and term.strip() else []
    for alias in aliases:
        if not isinstance(alias, str) or not alias.strip():
            problems.append("'aliases' must be a list of non-empty words or phrases")
        elif len(alias.strip()) > MAX_LENGTHS["glossary"]["term"]:
            problems.append(f"alias '{alias}' is longer than {MAX_LENGTHS['glossary']['term']} characters")
        else:
            names.append(alias)
    mine: set[str] = set()
    for name in names:
        key = term_key(name)
        if key in mine:
            problems.append(f"'{name}' is listed twice (as the term or an alias)")
        elif taken.get(key, slug) != slug:
            problems.append(f"'{name}' is already a name or alias of glossary term '{taken[key]}'")
        mine.add(key)
        taken.setdefault(key, slug)
    return problems


def duty_scope_problem(services: list, categories: list) -> str | None:
    """A duty applies to at least one service or category (loader and admin)."""
    if not services and not categories:
        return "applies to nothing: name at least one service or category"
    return None


def best_practice_problems(duty_owners: dict[str, str | None]) -> list[str]:
    """A best practice serves Customer or Shared duties, never AWS's (loader and admin)."""
    return [
        f"duty '{slug}' is AWS's; a best practice serves a Customer or Shared duty"
        for slug, owner in duty_owners.items()
        if owner == "AWS"
    ]


def learn_more_problem(value: object, targets: dict[str, set[str]]) -> str | None:
    """An authored question's learn_more names a service, category or lesson that exists (loader and admin)."""
    prefix, _, slug = str(value).partition(":")
    if slug in targets.get(prefix, ()):
        return None
    return f"'learn_more' must be service:, category: or lesson: an existing slug, not '{value}'"


def option_problems(kind: object, options: list[dict]) -> list[str]:
    """The rules on an authored question's options; the loader and the admin both apply these."""
    problems = []
    if not 3 <= len(options) <= 6:
        problems.append("needs 3 to 6 options")
    if len({str(o.get("text", "")).strip().lower() for o in options}) < len(options):
        problems.append("two options have the same text")
    correct = sum(1 for o in options if o.get("correct") is True)
    if kind == "single" and correct != 1:
        problems.append(f"a single-answer question needs exactly one correct option, not {correct}")
    if kind == "multiple" and not 2 <= correct < len(options):
        problems.append("a multiple-answer question needs two or more correct options and a wrong one")
    return problems


def relies_on_problems(facts: object, cells: dict[tuple[str, str], str]) -> list[str]:
    """The matrix facts an authored question relies on must be what the matrix says (loader and admin)."""
    if not isinstance(facts, list):
        return ["'relies_on' must be a list of service, layer, owner mappings"]
    problems = []
    for fact in facts:
        if not isinstance(fact, dict) or set(fact) != set(FACT_FIELDS):
            problems.append("'relies_on' entries must be mappings of service, layer, owner")
            continue
        key = (fact.get("service"), fact.get("layer"))
        if key not in cells:
            problems.append(f"relies_on names no matrix cell: service '{key[0]}', layer '{key[1]}'")
        elif cells[key] != fact.get("owner"):
            problems.append(
                f"relies_on says {key[0]} / {key[1]} is {fact.get('owner')}, but the matrix says {cells[key]}"
            )
    return problems


def validate(pack: Pack) -> list[Problem]:
    """Every broken rule in the pack, in file order."""
    return _Checker(pack).run()


def load_pack(root: Path = DEFAULT_ROOT) -> Pack:
    """Read and validate the pack; raise PackError naming every broken rule."""
    pack = read_pack(root)
    problems = validate(pack)
    if problems:
        raise PackError(problems)
    return pack


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else DEFAULT_ROOT
    try:
        pack = load_pack(root)
    except PackError as exc:
        print(f"{len(exc.problems)} problem(s) in {root}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{len(pack[kind])} {kind}" for kind in FILES)
    print(f"content pack OK: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
