from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lessons.pack import DEFAULT_ROOT, PackError
from quizzes.loading import load_everything


class Command(BaseCommand):
    help = "Validate the content pack and load it with its questions (all or nothing; upsert by slug; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=DEFAULT_ROOT, help="content folder (default: content/)"
        )

    def handle(self, *args, path: Path, **options):
        try:
            counts = load_everything(path)
        except PackError as exc:
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(
                f"The content pack in {path} breaks {len(exc.problems)} rule(s); nothing was loaded:\n{lines}"
            ) from exc
        summary = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Loaded content: {summary}."))
