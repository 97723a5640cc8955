"""Load authored questions from the pack and (re)generate the questions derived from the data."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from django.db import transaction

from lessons import loading as lesson_loading
from lessons.models import Category, ControlType, Duty, Layer, Misconception, Owner, Service
from lessons.pack import DEFAULT_ROOT, Pack, load_pack

from .models import Kind, Option, Origin, Question, SortItem

SORT_SIZE = {Owner.CUSTOMER: 3, Owner.AWS: 2, Owner.SHARED: 2}
SORTS_PER_CATEGORY = 6
FACT_EVERY = 2  # one myth-or-fact question for every second duty keeps the bank balanced


@transaction.atomic
def load_everything(root: Path = DEFAULT_ROOT) -> dict[str, int]:
    """Validate the whole pack, load the responsibility data and the questions, all or nothing."""
    pack = load_pack(root)
    counts = lesson_loading.load_pack_into_db(pack)
    counts["authored questions"] = load_authored(pack)
    counts["generated questions"] = generate()
    counts["questions in all"] = Question.objects.live().count()
    return counts


def _upsert(slug: str, kept: set[str], **fields) -> Question:
    question, _ = Question.objects.update_or_create(slug=slug, defaults={**fields, "retired": False})
    kept.add(slug)
    return question


def load_authored(pack: Pack) -> int:
    layers = {x.slug: x for x in Layer.objects.all()}
    services = {x.slug: x for x in Service.objects.all()}
    categories = {x.slug: x for x in Category.objects.all()}
    duties = {x.slug: x for x in Duty.objects.all()}
    myths = {x.slug: x for x in Misconception.objects.all()}
    kept: set[str] = set()
    for position, item in enumerate(pack["questions"]):
        d = item.data
        question = _upsert(
            d["slug"],
            kept,
            kind=d["kind"],
            origin=Origin.AUTHORED,
            prompt=d["prompt"].strip(),
            explanation=d["explanation"].strip(),
            learn_more=d["learn_more"],
            sources=list(d["sources"]),
            position=position,
            group=Path(item.file).stem,
            relies_on=list(d.get("relies_on") or []),
        )
        question.duties.set([duties[s] for s in d.get("duties") or []])
        question.layers.set([layers[s] for s in d["layers"]])
        question.services.set([services[s] for s in d.get("services") or []])
        question.categories.set([categories[s] for s in d.get("categories") or []])
        # Options keep their ids across loads (answers refer to them), so update them in place by position.
        existing = list(question.options.all())
        for index, option in enumerate(d["options"]):
            values = {
                "text": option["text"].strip(),
                "correct": option["correct"],
                "explanation": option["explanation"].strip(),
                "misconception": myths.get(option.get("misconception")),
                "position": index,
            }
            if index < len(existing):
                Option.objects.filter(pk=existing[index].pk).update(**values)
            else:
                Option.objects.create(question=question, **values)
        Option.objects.filter(question=question, position__gte=len(d["options"])).delete()
    _retire(Question.objects.filter(origin=Origin.AUTHORED).exclude(slug__in=kept))
    return len(kept)


def generate() -> int:
    """Questions derived from duties, misconceptions, the matrix and the control types."""
    kept: set[str] = set()
    duties = list(
        Duty.objects.prefetch_related("services", "categories").order_by("layer__order", "position")
    )
    for index, duty in enumerate(duties):
        question = _upsert(
            f"owner-{duty.slug}",
            kept,
            kind=Kind.OWNER,
            origin=Origin.GENERATED,
            duty=duty,
            position=1000 + index,
        )
        _tag(question, duty)
        if index % FACT_EVERY == 0:
            question = _upsert(
                f"fact-{duty.slug}",
                kept,
                kind=Kind.MYTH_FACT,
                origin=Origin.GENERATED,
                duty=duty,
                statement_is_true=(index // FACT_EVERY) % 2 == 0,
                position=2000 + index,
            )
            _tag(question, duty)
    for index, myth in enumerate(Misconception.objects.prefetch_related("layers", "services")):
        question = _upsert(
            f"myth-{myth.slug}",
            kept,
            kind=Kind.MYTH_FACT,
            origin=Origin.GENERATED,
            misconception=myth,
            position=3000 + index,
        )
        question.layers.set(myth.layers.all())
        question.services.set(myth.services.all())
    for index, service in enumerate(Service.objects.select_related("category")):
        question = _upsert(
            f"matrix-{service.slug}",
            kept,
            kind=Kind.MATRIX,
            origin=Origin.GENERATED,
            service=service,
            position=4000 + index,
        )
        question.layers.set(Layer.objects.all())
        question.services.set([service])
    for index, control in enumerate(ControlType.objects.all()):
        for number, example in enumerate(control.examples):
            question = _upsert(
                f"control-{control.slug}-{number + 1}",
                kept,
                kind=Kind.CONTROL,
                origin=Origin.GENERATED,
                control_type=control,
                prompt=f"Which type of control is this? “{example}”",
                explanation=f"{control.name}: {control.description}",
                learn_more="lesson:control-types",
                position=5000 + index * 100 + number,
            )
    _generate_sorts(duties, kept)
    _retire(Question.objects.filter(origin=Origin.GENERATED).exclude(slug__in=kept))
    return len(kept)


def _tag(question: Question, duty: Duty) -> None:
    question.layers.set([duty.layer_id])
    question.services.set(duty.services.all())
    question.categories.set(duty.categories.all())


def _generate_sorts(duties: list[Duty], kept: set[str]) -> None:
    """Per category, sets of seven statements mixing owners (three Customer, two AWS, two Shared)."""
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
            question = _upsert(
                f"sort-{category.slug}-{number + 1}",
                kept,
                kind=Kind.SORT,
                origin=Origin.GENERATED,
                prompt=f"{category.name}: sort these tasks. Who is responsible for each?",
                position=6000 + number,
            )
            question.categories.set([category])
            question.layers.set({d.layer_id for d in picked})
            SortItem.objects.filter(question=question).delete()
            SortItem.objects.bulk_create(
                SortItem(question=question, duty=d, position=i) for i, d in enumerate(picked)
            )


def _retire(questions) -> None:
    """Questions whose content left the pack: delete if never answered, else keep them out of new quizzes."""
    questions.filter(responses__isnull=True).delete()
    questions.update(retired=True)
