"""The upload page against the hostile corpus (tests/filecorpus.py), end to end: the raw
multipart request, Django's parser, the file checks, storage and the download."""

import html
import re
import unicodedata
from pathlib import Path

import pytest
from django.urls import reverse

from evidence.models import EvidenceFile, EvidenceItem
from tests.filecorpus import hostile_files, hostile_names

pytestmark = pytest.mark.django_db

LIMIT = 1024 * 1024  # a 1 MB limit keeps the "one byte over" file small


def post_file(client, url, filename: str, content: bytes, description="Evidence"):
    """A multipart body written by hand, so the file name reaches the server as sent."""
    boundary = "----engagement-test-boundary"
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
            f"{description}\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def lead_client(client, roles):
    client.force_login(roles.lead)
    return client


def add_file_url(submission, criterion="A1"):
    return reverse(
        "evidence:add_file",
        kwargs={
            "cycle": submission.cycle.slug,
            "ods_code": submission.ccg.ods_code,
            "criterion": criterion,
        },
    )


def test_every_hostile_file_is_refused_with_its_reason_and_nothing_is_lost(
    lead_client, submission, settings, sample_files, tmp_path
):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = LIMIT
    # Earlier evidence: a link and a file on another criterion.
    lead_client.post(
        reverse("evidence:add_link", kwargs={"cycle": submission.cycle.slug,
                "ods_code": submission.ccg.ods_code, "criterion": "B1"}),
        {"url": "https://example.org/kept", "description": "Kept link"},
    )  # fmt: skip
    post_file(
        lead_client, add_file_url(submission, "B2"), "kept.pdf", sample_files["pdf"].read_bytes()
    )
    before_rows = list(EvidenceItem.objects.values_list("pk", "kind", "description", "removed_at"))
    before_files = stored_files(Path(settings.MEDIA_ROOT))
    assert len(before_rows) == 2 and len(before_files) == 1

    cases = hostile_files(tmp_path / "hostile", LIMIT)
    assert len(cases) >= 25
    wrong = []
    for case in cases:
        response = post_file(
            lead_client, add_file_url(submission), case.name, case.path.read_bytes()
        )
        page = html.unescape(response.content.decode())
        if response.status_code != 200 or case.expected_reason_substring not in page:
            wrong.append((case.name, response.status_code))
        elif "was not accepted" not in page and "Select a file" not in page:
            wrong.append((case.name, "no refusal message"))

    assert wrong == []
    assert list(EvidenceItem.objects.values_list("pk", "kind", "description", "removed_at")) == (
        before_rows
    )
    assert stored_files(Path(settings.MEDIA_ROOT)) == before_files


def test_the_refusal_names_the_file_and_the_reason(lead_client, submission):
    response = post_file(lead_client, add_file_url(submission), "minutes.pdf", b"MZ\x90\x00" * 64)
    page = html.unescape(response.content.decode())
    assert "minutes.pdf was not accepted: its content is not a PDF" in page
    assert "There is a problem" in page


def test_one_byte_over_the_limit_is_refused(lead_client, submission, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = LIMIT
    response = post_file(lead_client, add_file_url(submission), "big.txt", b"a" * (LIMIT + 1))
    assert "big.txt was not accepted: it is larger than the 1 MB limit" in html.unescape(
        response.content.decode()
    )
    at_limit = post_file(lead_client, add_file_url(submission), "ok.txt", b"a" * LIMIT)
    assert at_limit.status_code == 302


ACCEPTED_EXTENSIONS = (
    "pdf",
    "docx",
    "txt",
    "csv",
    "png",
    "jpg",
    "jpeg",
    "xlsx",
    "pptx",
    "odt",
    "ods",
)


@pytest.mark.parametrize("name", hostile_names(), ids=lambda name: ascii(name)[:40])
def test_valid_files_under_hostile_names_get_generated_names_and_safe_display_names(
    lead_client, submission, sample_files, settings, name
):
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ACCEPTED_EXTENSIONS:  # e.g. "invoice<RLO>fdp.exe": refused by its type
        response = post_file(lead_client, add_file_url(submission), name, b"%PDF-1.4 not really")
        page = html.unescape(response.content.decode())
        # Django's parser drops a name like ".." entirely: then no file arrived at all.
        assert "was not accepted" in page or "Select a file to upload" in page
        assert not EvidenceFile.objects.exists()
        return
    content = sample_files["jpg" if extension == "jpeg" else extension].read_bytes()

    response = post_file(lead_client, add_file_url(submission), name, content)

    if response.status_code != 302:  # refused: the reason must be shown, nothing stored
        assert "was not accepted" in html.unescape(response.content.decode())
        assert not EvidenceFile.objects.exists()
        return
    stored = EvidenceFile.objects.get()
    assert re.fullmatch(r"evidence/2019-20/07J/[0-9a-f]{32}\.[a-z]+", stored.file.name)
    assert (Path(settings.MEDIA_ROOT) / stored.file.name).read_bytes() == content
    display = stored.display_name
    assert "/" not in display and "\\" not in display
    assert not display.startswith((".", " "))
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in display)
    assert len(display) <= 120
    assert display.lower().endswith("." + extension)
    assert not re.search(r'[<>:"|?*]', display)

    download = lead_client.get(
        reverse("evidence:download", kwargs={"cycle": submission.cycle.slug,
                "ods_code": submission.ccg.ods_code, "file": stored.pk})
    )  # fmt: skip
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
