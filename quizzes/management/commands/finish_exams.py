"""Finish every exam left open past its deadline (run it every few minutes; pages also do it lazily)."""

from django.core.management.base import BaseCommand

from quizzes.exam import finish_overdue


class Command(BaseCommand):
    help = "Grade and close every exam whose deadline has passed."

    def handle(self, *args, **options):
        done = finish_overdue()
        self.stdout.write(f"Finished {done} exam{'s' if done != 1 else ''} past the deadline.")
