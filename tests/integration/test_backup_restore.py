"""Backup and restore (scripts/backup.sh, scripts/restore.sh) end to end.

Real evidence files (uploaded through ``evidence.services``, one replaced) and real
letters (rendered through ``letters.services``) are backed up from the test database and
its media folder, restored into a new, empty database and an empty folder, and read back
there by ``manage.py verify_storage``: every file and letter must match its SHA-256.
Then a corrupted and a missing file must be named, and restore must refuse a target that
is not empty, or a damaged backup, before touching anything.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from assessment.models import Criterion
from assessment.moderation import record_rating
from evidence import services as evidence_services
from evidence.models import EvidenceFile, Submission
from letters import services as letter_services
from letters.models import Document, RenderJob

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def database_url(name: str) -> str:
    """The test database's server, as a DATABASE_URL naming database ``name``."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or ''}{port}/{name}"


def run(*command, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  (the project's own scripts and manage.py)
        [str(part) for part in command],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PYTHON": sys.executable,
            **{key: str(value) for key, value in env.items()},
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def verify_storage(db_name: str, media: Path) -> subprocess.CompletedProcess:
    return run(
        sys.executable,
        "manage.py",
        "verify_storage",
        DATABASE_URL=database_url(db_name),
        DJANGO_MEDIA_ROOT=str(media),
    )


def database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def new_database_names():
    """Unique names for databases a test may create; each is dropped at the end."""
    names = []

    def new_name():
        names.append(f"{connection.settings_dict['NAME'][:30]}_restore_{uuid.uuid4().hex[:8]}")
        return names[-1]

    yield new_name
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(
                f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)"
            )


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


@pytest.fixture
def evidence(submission, other_submission, roles, sample_files):
    """Five stored revisions: three files for West Norfolk (one replaced), one for Halton."""
    criteria = {
        c.code: c for c in Criterion.objects.filter(domain__cycle=submission.cycle)
    }  # fmt: skip
    for code, kind in (("A1", "pdf"), ("B1", "docx"), ("C1", "png")):
        item = evidence_services.add_file(
            submission, criteria[code], upload=upload(sample_files[kind]),
            description=f"{kind} evidence", actor=roles.lead,
        )  # fmt: skip
    evidence_services.replace_file(item, upload=upload(sample_files["pdf"]), actor=roles.lead)
    evidence_services.add_file(
        other_submission, criteria["A1"], upload=upload(sample_files["pdf"]),
        description="Halton's evidence", actor=roles.other_lead,
    )  # fmt: skip
    assert EvidenceFile.objects.count() == 5


@pytest.fixture
def letters(evidence, submission, roles):
    """Both CCGs rated, and their letters and summaries rendered: four documents."""
    submissions = Submission.objects.filter(cycle=submission.cycle)
    submissions.update(status="submitted", submitted_at=timezone.now())
    ratings = ((2, 2, 2, 1, 2), (3, 3, 3, 2, 2))
    for each, scores in zip(submissions.order_by("pk"), ratings, strict=True):
        record_rating(
            each,
            dict(zip("ABCDE", scores, strict=True)),
            proposed_by=roles.moderator,
            confirmed_by=roles.admin,
        )
    render = letter_services.start_run(submission.cycle, actor=roles.admin, enqueue=False)
    for job_id in render.jobs.values_list("pk", flat=True):
        letter_services.render_job(job_id)
    assert not render.jobs.exclude(status=RenderJob.Status.RENDERED).exists()
    assert Document.objects.count() == 4


def test_a_backup_restores_into_an_empty_database_with_every_file_intact(
    letters, tmp_path, new_database_names
):
    source_db = connection.settings_dict["NAME"]
    media = Path(settings.MEDIA_ROOT)
    backup = tmp_path / "backup"

    made = run(
        "scripts/backup.sh", backup, DATABASE_URL=database_url(source_db), DJANGO_MEDIA_ROOT=media
    )
    assert made.returncode == 0, made.stderr
    assert {p.name for p in backup.iterdir()} == {
        "database.dump", "media", "SHA256SUMS", "manifest.txt",
    }  # fmt: skip
    manifest = (backup / "manifest.txt").read_text()
    assert f"database={source_db}\n" in manifest
    assert "evidence_files=5\nletters=4\nmedia_files=9\n" in manifest
    assert len((backup / "SHA256SUMS").read_text().splitlines()) == 1 + 9  # dump + media

    restored_db, restored_media = new_database_names(), tmp_path / "restored-media"
    restored = run(
        "scripts/restore.sh", backup, database_url(restored_db), restored_media,
        DATABASE_URL="postgres://nobody@invalid.invalid/not-this-one",
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert "5 evidence files and 4 letters verified." in restored.stdout

    # The restored copy, on its own: verified by a fresh process pointed at it.
    check = verify_storage(restored_db, restored_media)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "5 evidence files and 4 letters verified."
    source_counts = f"{EvidenceFile.objects.count()}|{Document.objects.count()}"
    counts = run(
        "psql", "--no-psqlrc", "--tuples-only", "--no-align", "--dbname",
        database_url(restored_db), "--command",
        "SELECT (SELECT count(*) FROM evidence_evidencefile), "
        "(SELECT count(*) FROM letters_document)",
    )  # fmt: skip
    assert counts.stdout.strip() == source_counts == "5|4", counts.stderr

    # One evidence file corrupted, one letter gone: both named, and the command fails.
    corrupted = EvidenceFile.objects.order_by("pk").first().file.name
    with open(restored_media / corrupted, "r+b") as handle:
        handle.write(b"X")
    gone = Document.objects.order_by("pk").last().file.name
    (restored_media / gone).unlink()
    check = verify_storage(restored_db, restored_media)
    assert check.returncode != 0
    problems = check.stderr.splitlines()
    assert any(corrupted in line and "does not match" in line for line in problems), problems
    assert any(gone in line and line.endswith(": missing") for line in problems), problems
    assert "4 evidence files and 3 letters verified; 1 missing, 1 not matching" in check.stdout

    # A target that is not empty is refused, and left as it was.
    empty_media = tmp_path / "empty-media"
    refused = run("scripts/restore.sh", backup, database_url(restored_db), empty_media)
    assert refused.returncode != 0
    assert f"database {restored_db} is not empty" in refused.stderr
    assert not empty_media.exists()
    unused_db = new_database_names()
    refused = run("scripts/restore.sh", backup, database_url(unused_db), restored_media)
    assert refused.returncode != 0
    assert f"media folder {restored_media} is not empty" in refused.stderr
    assert not database_exists(unused_db)

    # --force restores over it: the damaged copy is whole again.
    forced = run("scripts/restore.sh", "--force", backup, database_url(restored_db), restored_media)
    assert forced.returncode == 0, forced.stderr
    assert "5 evidence files and 4 letters verified." in forced.stdout

    # A damaged backup is refused before anything is touched.
    with open(backup / "media" / corrupted, "r+b") as handle:
        handle.write(b"X")
    refused = run("scripts/restore.sh", backup, database_url(unused_db), empty_media)
    assert refused.returncode != 0
    assert "fails its SHA256SUMS" in refused.stderr
    assert not database_exists(unused_db)
    assert not empty_media.exists()
