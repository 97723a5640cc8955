"""The current learner of a request: an account, or an anonymous learner tied to the session.

Views call `current_learner(request)` to read and `current_learner(request, create=True)` just
before recording something, so an anonymous Learner row exists only once it owns a record.
`adopt_session_learner()` runs right after sign-up or log-in and moves the anonymous learner's
records to the account.
"""

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest

from .models import Learner

SESSION_KEY = "learner_id"


def current_learner(request: HttpRequest, *, create: bool = False) -> Learner | None:
    """The request's learner, or None when nothing has been recorded yet and create is False."""
    user = request.user
    if user.is_authenticated:
        if create:
            learner, _ = Learner.objects.get_or_create(user=user)
            return learner
        return Learner.objects.filter(user=user).first()
    learner_id = request.session.get(SESSION_KEY)
    learner = Learner.objects.filter(pk=learner_id, user__isnull=True).first() if learner_id else None
    if learner is None and create:
        learner = Learner.objects.create()
        request.session[SESSION_KEY] = learner.pk
    return learner


def adopt_session_learner(request: HttpRequest) -> Learner | None:
    """Give the logged-in account everything its browser recorded while anonymous."""
    learner_id = request.session.pop(SESSION_KEY, None)
    if not learner_id or not request.user.is_authenticated:
        return current_learner(request)
    anonymous = Learner.objects.filter(pk=learner_id, user__isnull=True).first()
    if anonymous is None:
        return current_learner(request)
    return merge_into_account(anonymous, user=request.user)


@transaction.atomic
def merge_into_account(anonymous: Learner, *, user) -> Learner:
    """Move an anonymous learner's records to the user's learner; nothing lost, nothing doubled."""
    account = Learner.objects.select_for_update().filter(user=user).first()
    if account is None:
        # The simplest move: the anonymous learner becomes the account's, records and all.
        anonymous.user = user
        anonymous.save(update_fields=["user"])
        return anonymous
    for relation in _record_relations():
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
    anonymous.delete()
    return account


def _record_relations() -> list:
    return [
        rel
        for rel in Learner._meta.related_objects
        if isinstance(rel, models.ManyToOneRel) and not rel.many_to_many and rel.field.model is not Learner
    ]
