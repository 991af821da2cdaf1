"""``python manage.py import_ratings --cycle 2018/19 FILE.csv [--released-on YYYY-MM-DD]``.

Records a past cycle's published final ratings (columns ``ods_code,A,B,C,D,E``, header
required), marked as imported; all or nothing, and a second run of the same file changes
nothing (``results.services.import_ratings``). A cycle not yet released needs
``--released-on``, the day its results were published.
"""

import csv
import hashlib
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.models import Cycle
from results.services import ImportRefused, import_ratings


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--released-on {text!r} is not a date like 2019-07-31.") from exc


class Command(BaseCommand):
    help = "Import a past cycle's published final ratings (ods_code,A,B,C,D,E). Atomic."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file with the header ods_code,A,B,C,D,E")
        parser.add_argument("--cycle", required=True, help="The cycle's label, e.g. 2018/19.")
        parser.add_argument(
            "--released-on",
            help="The day the results were published (YYYY-MM-DD); needed when the cycle "
            "is not released yet, and releases it.",
        )

    def handle(self, *args, path, cycle, released_on=None, **options):
        found = Cycle.objects.filter(label=cycle).first()
        if found is None:
            raise CommandError(
                f"There is no cycle {cycle!r}: load its framework file first "
                "(python manage.py load_cycle assessment/frameworks/...). Nothing was imported."
            )
        file = Path(path)
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text. Nothing was imported.") from exc
        note = (
            f"Published result, imported from {file.name} "
            f"(SHA-256 {hashlib.sha256(content).hexdigest()[:12]})."
        )
        try:
            report = import_ratings(
                found,
                csv.reader(text.splitlines()),
                released_on=_day(released_on) if released_on else None,
                note=note,
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
