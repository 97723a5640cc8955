from pathlib import Path

from django.core.management.base import BaseCommand

from lessons.documents import write_pack
from lessons.pack import DEFAULT_ROOT
from quizzes.documents import write_questions


class Command(BaseCommand):
    help = "Write the content in the database back to the content files, for review and commit."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=DEFAULT_ROOT, help="content folder (default: content/)"
        )

    def handle(self, *args, path: Path, **options):
        written = write_pack(path) + write_questions(path)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(written)} files under {path}."))
