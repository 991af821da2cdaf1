"""``python manage.py import_ccgs PATH --year 2019``: import an ONS CCG list (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from ccgs.register_file import RegisterFileError
from ccgs.services import import_register


class Command(BaseCommand):
    help = "Import the ONS CCG-to-STP lookup of one April. A file with any bad row changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="ONS lookup CSV, e.g. ccgs/data/ccg_2019.csv")
        parser.add_argument("--year", type=int, required=True, help="The April of the list.")

    def handle(self, *args, path, year, **options):
        try:
            report = import_register(path, year)
        except RegisterFileError as exc:
            raise CommandError(
                f"Nothing was imported from {exc.source}:\n  " + "\n  ".join(exc.problems)
            ) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
        if report.unresolved_mergers:
            self.stdout.write(
                f"{len(report.unresolved_mergers)} vanished CCGs have no known successor: "
                + "; ".join(report.unresolved_mergers)
            )
