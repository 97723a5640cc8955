"""A learner: the owner of everything the app records about someone's study."""

from django.conf import settings
from django.db import models


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

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.user.get_username() if self.user_id else f"Anonymous learner #{self.pk}"

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None
