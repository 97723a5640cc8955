"""A learner's own data: everything recorded about them, to download or to delete.

Generic over the schema: the records are every model with a foreign key to Learner, plus the rows
those records own (foreign keys that cascade, such as an attempt's responses), found by walking the
model graph. A model added later (review cards, classroom seats) is included without a change here.
"""

from dataclasses import dataclass

from django.core import serializers
from django.db import models, transaction
from django.utils import timezone

from .current import record_relations
from .models import Learner


@dataclass(frozen=True)
class Records:
    """The rows of one model that belong to a learner."""

    model: type[models.Model]
    queryset: models.QuerySet

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def area(self) -> str:
        return str(self.model._meta.app_config.verbose_name)


def _owned_children(model: type[models.Model]) -> list[models.ManyToOneRel]:
    """Reverse foreign keys whose rows are deleted with their parent: they belong to the same person."""
    return [
        rel
        for rel in model._meta.related_objects
        if isinstance(rel, models.ManyToOneRel)
        and not rel.many_to_many
        and rel.on_delete is models.CASCADE
        and rel.related_model is not model
    ]


def records_of(learner: Learner) -> list[Records]:
    """Every kind of record about the learner, parents before children, each model once."""
    found: list[Records] = []
    seen: set[type[models.Model]] = set()
    queue = [
        (rel.related_model, rel.related_model._default_manager.filter(**{rel.field.name: learner}))
        for rel in record_relations()
    ]
    while queue:
        model, queryset = queue.pop(0)
        if model in seen:
            continue
        seen.add(model)
        found.append(Records(model, queryset.order_by("pk")))
        for rel in _owned_children(model):
            child = rel.related_model
            queue.append(
                (child, child._default_manager.filter(**{f"{rel.field.name}__in": queryset.values("pk")}))
            )
    return found


def export(learner: Learner | None, *, user=None) -> dict:
    """Everything recorded about the learner (and the account), as JSON-ready data."""
    account = None
    if user is not None and user.is_authenticated:
        account = {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        }
    data = {"exported_at": timezone.now().isoformat(), "account": account, "learner": None, "records": {}}
    if learner is None:
        return data
    data["learner"] = {
        "id": learner.pk,
        "created_at": learner.created_at.isoformat(),
        "last_seen_at": learner.last_seen_at.isoformat(),
        "anonymous": learner.is_anonymous,
    }
    for records in records_of(learner):
        rows = serializers.serialize("python", records.queryset)
        data["records"][records.label] = [{"id": row["pk"], **row["fields"]} for row in rows]
    return data


def summary(learner: Learner | None) -> list[tuple[str, str, int]]:
    """Kind, part of the site and how many, for each kind of record the learner has."""
    if learner is None:
        return []
    return [(records.name, records.area, records.queryset.count()) for records in records_of(learner)]


@transaction.atomic
def delete_learner(learner: Learner) -> None:
    """Delete the learner and every record about them (and any learner merged into them)."""
    Learner.objects.filter(merged_into=learner).delete()
    learner.delete()


@transaction.atomic
def delete_account(user) -> None:
    """Delete the account, its learner and every record about it."""
    learner = Learner.objects.filter(user=user).first()
    if learner is not None:
        delete_learner(learner)
    user.delete()
