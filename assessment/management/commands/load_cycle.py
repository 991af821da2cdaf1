"""``python manage.py load_cycle PATH``: load a cycle's framework file (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from assessment.framework import FrameworkFileError
from assessment.services import load_cycle


class Command(BaseCommand):
    help = "Create or update a cycle from its framework file. A broken file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="e.g. assessment/frameworks/2019-20.toml")

    def handle(self, *args, path, **options):
        try:
            report = load_cycle(path)
        except FrameworkFileError as exc:
            raise CommandError(
                f"Nothing was loaded from {exc.path}:\n  " + "\n  ".join(exc.problems)
            ) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
