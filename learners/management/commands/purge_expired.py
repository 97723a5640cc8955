from django.core.management import call_command
from django.core.management.base import BaseCommand

from learners.retention import purge_expired


class Command(BaseCommand):
    help = "Delete expired sessions, anonymous work idle longer than a session lives, and old counters. Run daily."

    def handle(self, *args, **options):
        call_command("clearsessions")
        for what, count in purge_expired().items():
            self.stdout.write(f"Deleted {count} {what}.")
