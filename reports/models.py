"""Problems learners report about a piece of content, kept for staff to review."""

from django.db import models

MESSAGE_MAX_LENGTH = 2000


class Status(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted (content changed or will be)"
    REJECTED = "rejected", "Rejected (content stays as it is)"


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Status.OPEN)

    def from_client(self, client: str):
        return self.filter(client=client)

    def since(self, moment):
        return self.filter(created_at__gte=moment)


class Report(models.Model):
    """What a learner thinks is wrong with one content item. Plain text: never rendered as HTML."""

    about = models.CharField(
        max_length=240, db_index=True, help_text="The item: kind:slug, e.g. duty:rds-patch-guest-os."
    )
    about_text = models.TextField(help_text="What the item said when it was reported.")
    message = models.TextField(max_length=MESSAGE_MAX_LENGTH, help_text="What the learner says is wrong.")
    aws_link = models.URLField("AWS page", max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    staff_note = models.TextField(blank=True, help_text="Why it was accepted or rejected; what changed.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # A keyed hash of the reporter's address, only to rate-limit; never shown.
    client = models.CharField(max_length=64, db_index=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="report_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Report #{self.pk} about {self.about}"
