"""Load authored questions from the pack and (re)generate the questions derived from the data.

Everything is written in bulk and upserted by a stable key: questions by slug, options by (question,
position), sort items by (question, duty), so ids (and the answers that name them) survive a reload.
A question that leaves the bank is retired, never deleted while an attempt holds it.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from lessons import loading as lesson_loading
from lessons.models import Category, ControlType, Duty, Layer, MatrixCell, Misconception, Owner, Service
from lessons.pack import DEFAULT_ROOT, Pack, PackError, Problem, load_pack

from .models import Attempt, AttemptQuestion, Kind, Option, Origin, Question, Response, SortItem

SORT_SIZE = {Owner.CUSTOMER: 3, Owner.AWS: 2, Owner.SHARED: 2}
SORTS_PER_CATEGORY = 6
DUTY_OWNERS = (Owner.AWS, Owner.CUSTOMER, Owner.SHARED)
# Every field a loader sets; a question missing from a spec gets these defaults back.
BLANK = {
    "prompt": "",
    "explanation": "",
    "learn_more": "",
    "sources": [],
    "relies_on": [],
    "duty_id": None,
    "misconception_id": None,
    "service_id": None,
    "control_type_id": None,
    "claimed_owner": "",
    "group": "",
    "exam_tasks": [],
    "checked_on": None,
    "changed_after_reports": [],
}
# Questions drawn from the matrix, control types or several duties serve the model itself (task 2.1).
MODEL_TASKS = ["2.1"]
TAGS = ("duties", "layers", "services", "categories")


@transaction.atomic
def load_everything(root: Path = DEFAULT_ROOT) -> dict[str, int]:
    """Validate the whole pack, load the responsibility data and the questions, all or nothing."""
    pack = load_pack(root)
    counts = lesson_loading.load_pack_into_db(pack)
    counts["authored questions"] = load_authored(pack)
    counts["generated questions"] = generate()
    check_every_duty_is_asked()
    finish_attempts_with_nothing_open()
    counts["questions in all"] = Question.objects.live().count()
    return counts


def load_authored(pack: Pack) -> int:
    specs: dict[str, dict] = {}
    tags: dict[str, dict[str, list[str]]] = {}
    options: dict[str, list[dict]] = {}
    myths = dict(Misconception.objects.values_list("slug", "pk"))
    for position, item in enumerate(pack["questions"]):
        d = item.data
        specs[d["slug"]] = {
            "kind": d["kind"],
            "prompt": d["prompt"].strip(),
            "explanation": d["explanation"].strip(),
            "learn_more": d["learn_more"],
            "sources": list(d["sources"]),
            "relies_on": list(d.get("relies_on") or []),
            "group": Path(item.file).stem,
            "position": position,
            "exam_tasks": list(d["exam_tasks"]),
            "checked_on": datetime.date.fromisoformat(d["checked_on"]),
            "changed_after_reports": list(d.get("changed_after_reports") or []),
        }
        tags[d["slug"]] = {name: list(d.get(name) or []) for name in TAGS}
        options[d["slug"]] = [
            {
                "text": o["text"].strip(),
                "correct": o["correct"],
                "explanation": o["explanation"].strip(),
                "misconception_id": myths.get(o.get("misconception")),
            }
            for o in d["options"]
        ]
    questions = _sync(specs, Origin.AUTHORED)
    ids = {
        "duties": dict(Duty.objects.values_list("slug", "pk")),
        "layers": dict(Layer.objects.values_list("slug", "pk")),
        "services": dict(Service.objects.values_list("slug", "pk")),
        "categories": dict(Category.objects.values_list("slug", "pk")),
    }
    for name in TAGS:
        _sync_tags(questions, name, {slug: {ids[name][s] for s in t[name]} for slug, t in tags.items()})
    _sync_options(questions, options)
    return len(specs)


def check_every_duty_is_asked() -> None:
    """Raise PackError (undoing the load) for any duty that no live question asks: every fact is quizzed."""
    live = Question.objects.live()
    unasked = Duty.objects.exclude(
        Exists(live.filter(duty=OuterRef("pk")))
        | Exists(live.filter(duties=OuterRef("pk")))
        | Exists(SortItem.objects.filter(duty=OuterRef("pk"), question__retired=False))
    ).values_list("group", "slug")
    if unasked:
        raise PackError(
            Problem(f"content/duties/{group}.yaml", f"duty '{slug}'", "no question asks it")
            for group, slug in unasked
        )


def generate() -> int:
    """Questions derived from duties, misconceptions, the matrix and the control types."""
    specs: dict[str, dict] = {}
    tags: dict[str, dict[str, set[int]]] = defaultdict(lambda: {name: set() for name in TAGS})
    duties = list(
        Duty.objects.prefetch_related("services", "categories").order_by("layer__order", "position")
    )

    def tag_duty(slug: str, duty: Duty) -> None:
        specs[slug] |= {"exam_tasks": list(duty.exam_tasks), "checked_on": duty.checked_on}
        tags[slug]["layers"] = {duty.layer_id}
        tags[slug]["services"] = {s.pk for s in duty.services.all()}
        tags[slug]["categories"] = {c.pk for c in duty.categories.all()}

    for index, duty in enumerate(duties):
        slug = f"owner-{duty.slug}"
        specs[slug] = {"kind": Kind.OWNER, "duty_id": duty.pk, "position": 1000 + index}
        tag_duty(slug, duty)
    myths = list(Misconception.objects.prefetch_related("duties").order_by("position", "slug"))
    for index, (duty, claimed, myth) in enumerate(claims(duties, myths)):
        slug = f"claim-{duty.slug}"
        specs[slug] = {
            "kind": Kind.MYTH_FACT,
            "duty_id": duty.pk,
            "claimed_owner": claimed,
            "misconception_id": myth.pk if myth else None,
            "position": 2000 + index,
        }
        tag_duty(slug, duty)
    all_layers = set(Layer.objects.values_list("pk", flat=True))
    oldest_cell = dict(
        MatrixCell.objects.values("service_id")
        .annotate(oldest=Min("checked_on"))
        .values_list("service_id", "oldest")
    )
    for index, service in enumerate(Service.objects.order_by("position", "slug")):
        slug = f"matrix-{service.slug}"
        specs[slug] = {
            "kind": Kind.MATRIX,
            "service_id": service.pk,
            "position": 4000 + index,
            "exam_tasks": MODEL_TASKS,
            "checked_on": oldest_cell.get(service.pk),
        }
        tags[slug]["layers"] = all_layers
        tags[slug]["services"] = {service.pk}
    for index, control in enumerate(ControlType.objects.all()):
        for number, example in enumerate(control.examples):
            specs[f"control-{control.slug}-{number + 1}"] = {
                "kind": Kind.CONTROL,
                "control_type_id": control.pk,
                "prompt": f"Which type of control is this? “{example}”",
                "explanation": f"{control.name}: {control.description}",
                "position": 5000 + index * 100 + number,
                "exam_tasks": MODEL_TASKS,
            }
    sorts = _sorts(duties)
    for slug, (category, picked, number) in sorts.items():
        specs[slug] = {
            "kind": Kind.SORT,
            "prompt": f"{category.name}: sort these tasks. Who is responsible for each?",
            "position": 6000 + number,
            "exam_tasks": MODEL_TASKS,
            "checked_on": min(d.checked_on for d in picked),
        }
        tags[slug]["categories"] = {category.pk}
        tags[slug]["layers"] = {d.layer_id for d in picked}
    questions = _sync(specs, Origin.GENERATED)
    for name in TAGS:
        _sync_tags(questions, name, {slug: tags[slug][name] for slug in specs})
    _sync_sort_items(questions, {slug: picked for slug, (_, picked, _) in sorts.items()})
    return len(specs)


def claims(duties: list[Duty], myths: list[Misconception]) -> list[tuple[Duty, str, Misconception | None]]:
    """Myth-or-fact claims "<owner> is responsible: <duty>", balanced so wording cannot give them away.

    As many AWS as Customer duties (all Shared ones), each claiming its true owner or another; every
    owner's phrase is as often true as false, and every duty owner's claims too. A misconception that
    names a duty and the wrong owner makes that duty's claim, with its correction for the feedback."""
    forced: dict[int, tuple[str, Misconception]] = {}
    for myth in myths:
        for duty in myth.duties.all():
            if myth.wrong_owner and myth.wrong_owner != duty.owner and duty.pk not in forced:
                forced[duty.pk] = (myth.wrong_owner, myth)
                break
    by_owner = {o: [d for d in duties if d.owner == o] for o in DUTY_OWNERS}
    cap = min(len(by_owner[Owner.AWS]), len(by_owner[Owner.CUSTOMER]))
    queues = []
    for owner in DUTY_OWNERS:
        pool = by_owner[owner]
        must = [d for d in pool if d.pk in forced]
        rest = [d for d in pool if d.pk not in forced]
        room = min(max(cap - len(must), 0), len(rest))
        queues.append(must + [rest[i * len(rest) // room] for i in range(room)] if room else must)
    order = sorted((d for q in queues for d in q), key=lambda d: d.pk not in forced)
    # Interleave owners after the forced claims so the greedy choice below can keep every count level.
    tail = [d for d in order if d.pk not in forced]
    by = {o: [d for d in tail if d.owner == o] for o in DUTY_OWNERS}
    tail = [d for group in zip_longest_all(*by.values()) for d in group]
    phrase: Counter = Counter()
    truth: Counter = Counter()

    def imbalance(claimed: str, duty: Duty) -> int:
        is_fact = claimed == duty.owner
        p, t = phrase.copy(), truth.copy()
        p[(claimed, is_fact)] += 1
        t[(duty.owner, is_fact)] += 1
        return sum(abs(p[(o, True)] - p[(o, False)]) + abs(t[(o, True)] - t[(o, False)]) for o in DUTY_OWNERS)

    result = []
    for duty in [d for d in order if d.pk in forced] + tail:
        claimed, myth = forced.get(duty.pk, (None, None))
        if claimed is None:
            claimed = min(
                [duty.owner, *(o for o in DUTY_OWNERS if o != duty.owner)], key=lambda o: imbalance(o, duty)
            )
        is_fact = claimed == duty.owner
        phrase[(claimed, is_fact)] += 1
        truth[(duty.owner, is_fact)] += 1
        result.append((duty, claimed, myth))
    return result


def zip_longest_all(*lists):
    """Rows across lists, shorter lists simply ending: [[a1, b1, c1], [a2, b2], ...]."""
    width = max((len(x) for x in lists), default=0)
    return [[x[i] for x in lists if i < len(x)] for i in range(width)]


def _sorts(duties: list[Duty]) -> dict[str, tuple[Category, list[Duty], int]]:
    """Per category, sets of seven statements mixing owners (three Customer, two AWS, two Shared)."""
    sorts = {}
    for category in Category.objects.all():
        pools: dict[str, list[Duty]] = defaultdict(list)
        for duty in duties:
            applies = any(s.category_id == category.pk for s in duty.services.all()) or any(
                c.pk == category.pk for c in duty.categories.all()
            )
            if applies:
                pools[duty.owner].append(duty)
        for number in range(SORTS_PER_CATEGORY):
            picked = []
            for owner, size in SORT_SIZE.items():
                pool = pools[owner]
                if len(pool) < size * (number + 1):
                    picked = []
                    break
                picked += pool[number * size : (number + 1) * size]
            if not picked:
                break
            picked.sort(key=lambda d: d.slug)  # mixed order, not grouped by owner
            sorts[f"sort-{category.slug}-{number + 1}"] = (category, picked, number)
    return sorts


def _sync(specs: dict[str, dict], origin: str) -> dict[str, Question]:
    """Create or update the origin's questions by slug in bulk; retire the ones the specs no longer have."""
    existing = {q.slug: q for q in Question.objects.filter(slug__in=list(specs))}
    fields = ["kind", "origin", "position", "retired", *BLANK]
    new, changed = [], []
    for slug, spec in specs.items():
        values = {**BLANK, **spec, "origin": origin, "retired": False}
        question = existing.get(slug)
        if question is None:
            new.append(Question(slug=slug, **values))
        elif any(getattr(question, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(question, k, v)
            changed.append(question)
    Question.objects.bulk_create(new, batch_size=500)
    Question.objects.bulk_update(changed, fields, batch_size=500)
    _retire(Question.objects.filter(origin=origin).exclude(slug__in=list(specs)))
    return {q.slug: q for q in Question.objects.filter(slug__in=list(specs))}


def _sync_tags(questions: dict[str, Question], name: str, wanted: dict[str, set[int]]) -> None:
    """Set one many-to-many relation for many questions with one read, one insert and one delete."""
    field = Question._meta.get_field(name)
    through = field.remote_field.through
    own, other = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    ids = [q.pk for q in questions.values()]
    rows = {
        (a, b): pk for pk, a, b in through.objects.filter(**{f"{own}__in": ids}).values_list("pk", own, other)
    }
    want = {(questions[slug].pk, target) for slug, targets in wanted.items() for target in targets}
    through.objects.bulk_create(
        [through(**{own: a, other: b}) for a, b in want - rows.keys()], batch_size=500
    )
    stale = [pk for pair, pk in rows.items() if pair not in want]
    if stale:
        through.objects.filter(pk__in=stale).delete()


def _sync_options(questions: dict[str, Question], wanted: dict[str, list[dict]]) -> None:
    """Options keep their ids across loads (answers name them): matched by (question, position)."""
    rows = {
        (questions[slug].pk, position): {"question_id": questions[slug].pk, "position": position, **values}
        for slug, options in wanted.items()
        for position, values in enumerate(options)
    }
    existing = {
        (o.question_id, o.position): o for o in Option.objects.filter(question__in=questions.values())
    }
    _upsert_rows(Option, existing, rows, ["text", "correct", "explanation", "misconception_id"])


def _sync_sort_items(questions: dict[str, Question], wanted: dict[str, list[Duty]]) -> None:
    """Sort items keep their ids (answers name them): matched by (question, duty), never re-created."""
    rows = {
        (questions[slug].pk, duty.pk): {
            "question_id": questions[slug].pk,
            "duty_id": duty.pk,
            "position": position,
        }
        for slug, duties in wanted.items()
        for position, duty in enumerate(duties)
    }
    existing = {
        (i.question_id, i.duty_id): i for i in SortItem.objects.filter(question__in=questions.values())
    }
    _upsert_rows(SortItem, existing, rows, ["position"])


def _upsert_rows(model, existing: dict, wanted: dict[tuple, dict], fields: list[str]) -> None:
    """Update rows matched by their stable key, add the new ones, delete the ones no longer wanted."""
    new, changed = [], []
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            new.append(model(**values))
        elif any(getattr(row, name) != values[name] for name in fields):
            for name in fields:
                setattr(row, name, values[name])
            changed.append(row)
    model.objects.bulk_create(new, batch_size=500)
    model.objects.bulk_update(changed, fields, batch_size=500)
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()


def _retire(questions) -> None:
    """Questions whose content left the pack: deleted if no attempt ever held them, else kept out of new
    quizzes (a quiz in progress skips them with a notice; answers keep their snapshot)."""
    held = AttemptQuestion.objects.filter(question=OuterRef("pk"))
    answered = Response.objects.filter(question=OuterRef("pk"))
    questions.filter(~Exists(held), ~Exists(answered)).delete()
    questions.filter(retired=False).update(retired=True)


def finish_attempts_with_nothing_open() -> int:
    """Attempts whose only unanswered questions were retired are finished now."""
    answered = Response.objects.filter(attempt=OuterRef("attempt"), question=OuterRef("question"))
    open_slot = AttemptQuestion.objects.filter(attempt=OuterRef("pk"), question__retired=False).exclude(
        Exists(answered)
    )
    return (
        Attempt.objects.filter(finished_at__isnull=True)
        .exclude(Exists(open_slot))
        .update(finished_at=timezone.now())
    )
