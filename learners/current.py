"""The current learner of a request: an account, or an anonymous learner tied to the session.

Views call `current_learner(request)` to read and `current_learner(request, create=True)` just
before recording something, so an anonymous Learner row exists only once it owns a record.
`adopt_session_learner()` runs right after sign-up or log-in and moves the anonymous learner's
records to the account; `writable_learner()` is what a domain function locks before it writes.
"""

import hashlib
import time
from datetime import timedelta

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from .models import Learner

SESSION_KEY = "learner_id"
# Set in the session at log-in: [merged learner id, time]. Writes that were in flight during the
# log-in may still land on the merged learner for a moment; requests in this window move them on.
MERGED_KEY = "merged_learner"
SETTLE_SECONDS = 120
# Two first writes from one browser arrive within seconds; an older key is never reused.
CREATION_WINDOW = timedelta(minutes=5)


class LearnerGone(Exception):
    """The learner's records were deleted (for example from another tab) while this request ran."""


def current_learner(request: HttpRequest, *, create: bool = False) -> Learner | None:
    """The request's learner, or None when nothing has been recorded yet and create is False."""
    user = request.user
    if user.is_authenticated:
        learner = Learner.objects.filter(user=user).first()
        if learner is not None and MERGED_KEY in request.session:
            settle_merge(request, learner)
        if learner is None and create:
            learner, _ = Learner.objects.get_or_create(user=user)
        return learner
    learner_id = request.session.get(SESSION_KEY)
    learner = _anonymous_learner(learner_id) if learner_id else None
    if learner is None and create:
        learner = _anonymous_learner_for_browser(request)
        request.session[SESSION_KEY] = learner.pk
    return learner


def _anonymous_learner(pk) -> Learner | None:
    """Every page of a learner without an account reads it: one plain statement (building the ORM's query
    cost four times running it; measured with bench/cpu.py)."""
    sql = f"SELECT * FROM {Learner._meta.db_table} WHERE id = %s AND user_id IS NULL"
    return next(iter(Learner.objects.raw(sql, [pk])), None)


def _anonymous_learner_for_browser(request: HttpRequest) -> Learner:
    """One anonymous learner per browser, even when its first two writes arrive at the same moment.

    Both requests carry the same CSRF cookie (the page that posted them set it), so its hash finds
    the learner the other request is creating; the unique key lets only one of them create it.
    """
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return Learner.objects.create()
    key = hashlib.sha256(f"learner-creation:{secret}".encode()).hexdigest()
    with transaction.atomic():
        Learner.objects.filter(creation_key=key).filter(
            Q(created_at__lt=timezone.now() - CREATION_WINDOW)
            | Q(user__isnull=False)
            | Q(merged_into__isnull=False)
        ).update(creation_key=None)
        learner, _ = Learner.objects.get_or_create(creation_key=key)
    return learner


def writable_learner(learner: Learner) -> Learner:
    """Lock the learner for a write in the caller's transaction; a merged learner gives its account.

    Call inside `transaction.atomic()`. A log-in merge takes the same lock, so a write either lands
    before the merge (and is moved) or after it (on the account), never on a learner being emptied.
    """
    locked = Learner.objects.select_for_update().filter(pk=learner.pk).first()
    if locked is None:
        raise LearnerGone(f"Learner {learner.pk} no longer exists.")
    if locked.merged_into_id:
        return writable_learner(locked.merged_into)
    return locked


def adopt_session_learner(request: HttpRequest) -> Learner | None:
    """Give the logged-in account everything its browser recorded while anonymous."""
    learner_id = request.session.pop(SESSION_KEY, None)
    if not learner_id or not request.user.is_authenticated:
        return current_learner(request)
    anonymous = Learner.objects.filter(pk=learner_id, user__isnull=True).first()
    if anonymous is None:
        return current_learner(request)
    account = merge_into_account(anonymous, user=request.user)
    if account.pk != anonymous.pk:
        request.session[MERGED_KEY] = [anonymous.pk, time.time()]
    return account


def settle_merge(request: HttpRequest, account: Learner) -> None:
    """Move anything that landed on the merged learner since the log-in; forget it once settled."""
    merged_id, merged_at = request.session[MERGED_KEY]
    merged = Learner.objects.filter(pk=merged_id, merged_into=account).first()
    if merged is not None and _owns_records(merged):
        merge_into_account(merged, user=account.user)
    if time.time() - merged_at > SETTLE_SECONDS:
        del request.session[MERGED_KEY]
        if merged is not None:
            merged.delete()


@transaction.atomic
def merge_into_account(anonymous: Learner, *, user) -> Learner:
    """Move an anonymous learner's records to the user's learner; nothing lost, nothing doubled.

    The anonymous learner is locked first (every writer and every merge lock in that order), so a
    write in flight finishes before its records move, and one that comes later finds the account.
    The emptied learner stays as a pointer to the account until `settle_merge` deletes it.
    """
    anonymous = Learner.objects.select_for_update().get(pk=anonymous.pk)
    account = Learner.objects.select_for_update().filter(user=user).first()
    if account is None:
        # The simplest move: the anonymous learner becomes the account's, records and all.
        anonymous.user = user
        anonymous.creation_key = None
        anonymous.save(update_fields=["user", "creation_key"])
        return anonymous
    if account.pk == anonymous.pk:
        return account
    for relation in record_relations():
        model = relation.related_model
        merge = getattr(model, "merge_learner", None)
        if merge is not None:
            # A model with a uniqueness rule per learner knows how to combine duplicates.
            merge(source=anonymous, target=account)
        else:
            try:
                with transaction.atomic():
                    model._default_manager.filter(**{relation.field.name: anonymous}).update(
                        **{relation.field.name: account}
                    )
            except IntegrityError as exc:
                raise RuntimeError(
                    f"{model.__name__} needs a merge_learner(source=, target=) classmethod: "
                    "moving its rows to the account broke a uniqueness rule."
                ) from exc
    anonymous.merged_into = account
    anonymous.creation_key = None
    anonymous.last_seen_at = timezone.now()
    anonymous.save(update_fields=["merged_into", "creation_key", "last_seen_at"])
    return account


def _owns_records(learner: Learner) -> bool:
    # Reads only: a merge would take the write lock on every request of the settling window.
    return any(
        rel.related_model._default_manager.filter(**{rel.field.name: learner}).exists()
        for rel in record_relations()
    )


def record_relations() -> list[models.ManyToOneRel]:
    """Every foreign key from a record model to Learner: what merging, export and deletion cover."""
    return [
        rel
        for rel in Learner._meta.related_objects
        if isinstance(rel, models.ManyToOneRel) and not rel.many_to_many and rel.field.model is not Learner
    ]
