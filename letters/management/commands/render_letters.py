"""``python manage.py render_letters --cycle 2019/20 [--ccg 07J] [--out DIR]``

Renders the letters and summaries of a cycle (or of one CCG) in this process, through the
same jobs and service as the web page's runs (so nothing is rendered twice for the same
inputs), with a progress bar on stderr. With ``--out``, also writes each CCG's letter in
force to ``DIR/<ODS code>.pdf`` (and its summary to ``DIR/<ODS code>-summary.pdf``).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.models import Cycle
from evidence.models import Submission
from letters import selectors, services
from letters.models import DocumentKind, RenderJob


class Command(BaseCommand):
    help = "Render the outcome letters and summaries of a cycle (or one CCG)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="The cycle, e.g. 2019/20.")
        parser.add_argument("--ccg", help="Only this CCG (ODS code, e.g. 07J).")
        parser.add_argument("--out", type=Path, help="Also write DIR/<ODS code>.pdf.")
        parser.add_argument("--reason", default="", help="Recorded on every new version.")

    def handle(self, *args, cycle, ccg=None, out=None, reason="", **options):
        try:
            cycle = Cycle.objects.get(label=cycle)
        except Cycle.DoesNotExist:
            known = ", ".join(Cycle.objects.values_list("label", flat=True)) or "none"
            raise CommandError(f"No cycle {cycle!r} (cycles: {known}).") from None
        chosen = None
        if ccg:
            chosen = Submission.objects.filter(cycle=cycle, ccg__ods_code=ccg.upper())
            if not chosen.exists():
                raise CommandError(f"No CCG {ccg!r} in {cycle.label}.")
        try:
            run = services.start_run(
                cycle, actor=None, submissions=chosen, reason=reason, source="command",
                enqueue=False,
            )  # fmt: skip
        except services.LetterError as error:
            raise CommandError(str(error)) from None
        jobs = list(run.jobs.values_list("pk", flat=True))
        facts = selectors.CycleFacts.of(cycle)
        for index, job_id in enumerate(jobs, start=1):
            try:
                services.render_job(job_id, facts=facts)
            except Exception as error:
                services.record_job_failure(job_id, f"{type(error).__name__}: {error}")
            self._progress(index, len(jobs))
        self.stderr.write("")
        progress = selectors.run_progress(run)
        self.stdout.write(
            f"{cycle.label}: {progress.rendered} rendered, {progress.unchanged} unchanged, "
            f"{progress.failed} failed, of {progress.total} documents."
        )
        for job in run.jobs.filter(status=RenderJob.Status.FAILED).select_related(
            "submission__ccg"
        ):
            self.stderr.write(f"Failed: {job.submission.ccg.ods_code} {job.kind}: {job.error}")
        if out is not None:
            self._write_out(run, out)
        if progress.failed:
            raise CommandError(f"{progress.failed} documents failed to render.")

    def _progress(self, done: int, total: int, width: int = 30) -> None:
        filled = round(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stderr.write(f"\r[{bar}] {done}/{total}", ending="")
        self.stderr.flush()

    def _write_out(self, run, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        written = 0
        for job in run.jobs.filter(status__in=RenderJob.DONE).select_related(
            "document__submission__ccg"
        ):
            document = job.document
            suffix = "" if document.kind == DocumentKind.LETTER else "-summary"
            path = out / f"{document.submission.ccg.ods_code}{suffix}.pdf"
            with document.file.open("rb") as pdf:
                path.write_bytes(pdf.read())
            written += 1
        self.stdout.write(f"Wrote {written} PDFs to {out}.")
