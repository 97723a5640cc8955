"""Delete live classes, with their nicknames and answers, older than the retention period."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from classroom.models import ClassSession


class Command(BaseCommand):
    help = "Delete live classes (nicknames, answers, reports) created more than CLASSROOM_RETENTION_DAYS ago."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override CLASSROOM_RETENTION_DAYS.")

    def handle(self, *args, days=None, **options):
        days = settings.CLASSROOM_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        old = ClassSession.objects.filter(created_at__lt=cutoff)
        count = old.count()
        old.delete()
        self.stdout.write(
            f"Deleted {count} live class{'es' if count != 1 else ''} created before {cutoff:%Y-%m-%d %H:%M} UTC."
        )
