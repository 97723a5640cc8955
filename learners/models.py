"""A learner: the owner of everything the app records about someone's study."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Learner(models.Model):
    """An account's learner, or an anonymous learner tied to one browser session.

    Records (lesson progress, quiz attempts) point here, never at the user, so anonymous study
    and account study are the same code path.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="learner",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Anonymous work is kept while the browser keeps coming back (see learners/sessions.py).
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    # A hash of the browser's CSRF secret, for a few minutes after creation: two first writes at
    # once from one browser find the same anonymous learner (see learners.current).
    creation_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # Set when an anonymous learner was merged into an account: a write still in flight during the
    # log-in lands here and is moved on to the account (learners.current.settle_merge).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="merged_from", editable=False
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        if self.user_id:
            return self.user.get_username()
        if self.merged_into_id:
            return f"Anonymous learner #{self.pk} (merged)"
        return f"Anonymous learner #{self.pk}"

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


class Counter(models.Model):
    """A rate-limit counter shared by every app process (see learners/throttle.py)."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:12]}…: {self.count}"
