"""``python manage.py export_ratings --cycle 2019/20 --format csv|xlsx|json [--out FILE]``.

The same bytes as the web export (``results.exports``), of a released cycle only. CSV and
JSON go to standard output unless ``--out`` is given; XLSX is binary, so it goes to
``--out`` or to standard output only when that is redirected (never to a terminal).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.models import Cycle
from results import exports


class Command(BaseCommand):
    help = "Export a released cycle's final ratings for publication (CSV, XLSX or JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="The cycle's label, e.g. 2019/20.")
        parser.add_argument("--format", required=True, choices=exports.FORMATS, dest="fmt")
        parser.add_argument("--out", help="Write to this file instead of standard output.")

    def handle(self, *args, cycle, fmt, out=None, **options):
        found = Cycle.objects.filter(label=cycle).first()
        if found is None:
            known = ", ".join(Cycle.objects.order_by("label").values_list("label", flat=True))
            raise CommandError(f"There is no cycle {cycle!r} (cycles: {known or 'none'}).")
        try:
            result = exports.export(found, fmt)
        except exports.UnreleasedCycle as exc:
            raise CommandError(f"{exc} Nothing was written.") from exc
        if out:
            Path(out).write_bytes(result.content)
            self.stderr.write(f"Wrote {out} ({len(result.content):,} bytes).")
            return
        stream = getattr(self.stdout, "_out", sys.stdout)
        binary = getattr(stream, "buffer", None)
        if fmt == "xlsx" and (binary is None or stream.isatty()):
            raise CommandError(
                "An XLSX file is binary: give --out FILE, or redirect standard output "
                "to a file. Nothing was written."
            )
        if binary is not None:
            stream.flush()
            binary.write(result.content)
            binary.flush()
        else:  # a text stream (call_command with stdout=StringIO): the same text
            stream.write(result.content.decode("utf-8"))
