"""``python manage.py verify_storage``: every stored file still matches its SHA-256.

Reads every evidence file revision (``evidence.EvidenceFile``) and every rendered letter
and summary (``letters.Document``) back from storage, streamed in chunks, and compares
its SHA-256 with the one recorded when it was stored. Prints the counts verified and
every file that is missing or does not match; exits non-zero if there is any. Used after
a restore (``scripts/restore.sh``) and safe to run at any time: it only reads.
"""

import hashlib
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from evidence.models import EvidenceFile
from letters.models import Document

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Problem:
    what: str  # "evidence file 12 (revision 1 of item 7)"
    name: str  # the storage name
    reason: str  # "missing" or "SHA-256 ... does not match ..."


def stored_sha256(field_file) -> str | None:
    """The SHA-256 of a stored file, read in chunks; None if storage has no such file."""
    storage, name = field_file.storage, field_file.name
    if not name or not storage.exists(name):
        return None
    digest = hashlib.sha256()
    try:
        with storage.open(name, "rb") as handle:
            for chunk in handle.chunks(CHUNK_BYTES):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def check(field_file, expected: str, what: str) -> Problem | None:
    name = field_file.name or "(no file name)"
    try:
        found = stored_sha256(field_file)
    except OSError as error:  # there, but unreadable (permissions, a directory...)
        return Problem(what, name, f"unreadable ({error.strerror or error})")
    if found is None:
        return Problem(what, name, "missing")
    if found != expected:
        return Problem(
            what, field_file.name, f"SHA-256 {found} does not match the recorded {expected}"
        )
    return None


class Command(BaseCommand):
    help = (
        "Recompute the SHA-256 of every stored evidence file and letter (letters and "
        "summaries) and compare it with the recorded one; fail if any is missing or differs."
    )

    def handle(self, *args, **options):
        tables = set(connection.introspection.table_names())
        absent = [
            model._meta.db_table
            for model in (EvidenceFile, Document)
            if model._meta.db_table not in tables
        ]
        if absent:
            raise CommandError(
                f"Database {connection.settings_dict['NAME']} has no table {', '.join(absent)}: "
                "not this app's database, or not migrated."
            )
        problems: list[Problem] = []
        evidence_ok = letters_ok = 0

        evidence = EvidenceFile.objects.only("pk", "item_id", "revision", "file", "sha256")
        for row in evidence.order_by("pk").iterator():
            problem = check(
                row.file,
                row.sha256,
                f"evidence file {row.pk} (revision {row.revision} of item {row.item_id})",
            )
            if problem:
                problems.append(problem)
            else:
                evidence_ok += 1

        documents = Document.objects.only("pk", "kind", "version", "file", "sha256")
        for row in documents.order_by("pk").iterator():
            problem = check(row.file, row.sha256, f"{row.kind} {row.pk} (version {row.version})")
            if problem:
                problems.append(problem)
            else:
                letters_ok += 1

        for problem in problems:
            self.stderr.write(f"{problem.what}: {problem.name}: {problem.reason}")
        summary = f"{evidence_ok} evidence files and {letters_ok} letters verified"
        if problems:
            missing = sum(problem.reason == "missing" for problem in problems)
            others = len(problems) - missing
            self.stdout.write(f"{summary}; {missing} missing, {others} not matching or unreadable.")
            raise CommandError(
                f"{len(problems)} stored file(s) missing or not matching their SHA-256."
            )
        self.stdout.write(f"{summary}.")
