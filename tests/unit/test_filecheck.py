"""evidence.filecheck: valid files pass, hostile files and names are made safe.

No database: the corpus is built once per session in a temporary directory by
tests/filecorpus.py.
"""

import hashlib
import pickle
import subprocess
import sys
import tracemalloc
import unicodedata

import pytest

from evidence import filecheck
from evidence.filecheck import ALLOWED, CheckedFile, FileRefused, check_file, sanitise_filename
from tests import filecorpus

MAX_BYTES = 1024 * 1024  # a small limit keeps the oversized case small
HOSTILE_SPECS = filecorpus.hostile_specs(MAX_BYTES)


@pytest.fixture(scope="session")
def valid_paths(tmp_path_factory):
    return filecorpus.valid_files(tmp_path_factory.mktemp("valid"))


@pytest.fixture(scope="session")
def hostile_cases(tmp_path_factory):
    cases = filecorpus.hostile_files(tmp_path_factory.mktemp("hostile"), MAX_BYTES)
    return {case.name: case for case in cases}


# ---------------------------------------------------------------- valid files


def test_every_allowed_type_has_a_valid_file():
    extensions = {name.rsplit(".", 1)[1] for name in filecorpus.VALID_NAMES}
    assert extensions == set(ALLOWED)


@pytest.mark.parametrize("name", filecorpus.VALID_NAMES)
def test_valid_file_is_accepted(valid_paths, name):
    path = valid_paths[name]
    data = path.read_bytes()

    checked = check_file(path, name)

    extension = name.rsplit(".", 1)[1]
    assert checked == CheckedFile(
        display_name=name,
        extension=extension,
        content_type=ALLOWED[extension].content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def test_upper_case_extension_is_accepted(valid_paths):
    checked = check_file(valid_paths["annual-report.pdf"], "ANNUAL REPORT.PDF")
    assert (checked.display_name, checked.extension) == ("ANNUAL REPORT.PDF", "pdf")
    assert checked.content_type == "application/pdf"


def test_name_with_right_to_left_override_is_accepted_under_its_real_extension(valid_paths):
    checked = check_file(valid_paths["annual-report.pdf"], "minutes\u202eTXT.pdf")
    assert checked.display_name == "minutesTXT.pdf"
    assert checked.extension == "pdf"


def test_file_exactly_at_the_limit_is_accepted(tmp_path):
    path = tmp_path / "limit.txt"
    path.write_bytes(b"a" * 1023 + b"\n")
    assert check_file(path, "limit.txt", max_bytes=1024).size == 1024


# -------------------------------------------------------------- hostile files


def test_corpus_has_at_least_25_distinct_hostile_cases():
    names = [spec.name for spec in HOSTILE_SPECS]
    assert len(names) >= 25
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    "name", [spec.name for spec in HOSTILE_SPECS], ids=[ascii(s.name)[1:-1] for s in HOSTILE_SPECS]
)
def test_hostile_file_is_refused(hostile_cases, name):
    case = hostile_cases[name]

    with pytest.raises(FileRefused) as refused:
        check_file(case.path, case.name, max_bytes=MAX_BYTES)

    assert case.expected_reason_substring in refused.value.reason
    assert refused.value.filename == sanitise_filename(case.name)


@pytest.mark.parametrize(
    "name",
    [
        "open-action-script.pdf",
        "document-script.pdf",
        "page-open-script.pdf",
        "launch-on-open.pdf",
        "launch-link.pdf",
        "escaped-names-script.pdf",
        "object-stream-script.pdf",
    ],
)
def test_pdf_structure_walk_finds_scripts_without_the_byte_scan(hostile_cases, name, monkeypatch):
    class BlindScanner(filecheck._PdfScanner):
        def finish(self):
            self.found = False

    monkeypatch.setitem(
        filecheck._KINDS, "pdf", filecheck._Kind(filecheck._check_pdf, BlindScanner)
    )
    with pytest.raises(FileRefused, match="it is a PDF containing scripts"):
        check_file(hostile_cases[name].path, name, max_bytes=MAX_BYTES)


def test_byte_scan_sees_escaped_names_but_not_compressed_ones(hostile_cases):
    def scanned(name):
        scanner = filecheck._PdfScanner()
        data = hostile_cases[name].path.read_bytes()
        for start in range(0, len(data), 7):  # tiny chunks: matches straddle boundaries
            scanner.feed(data[start : start + 7])
        scanner.finish()
        return scanner.found

    assert scanned("escaped-names-script.pdf")
    assert scanned("launch-on-open.pdf")
    assert not scanned("object-stream-script.pdf")  # why the structure walk is needed


def test_refusal_message_names_the_sanitised_file_and_the_reason(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")

    with pytest.raises(FileRefused) as refused:
        check_file(path, "../../Board\u202e minutes.pdf")

    assert refused.value.filename == "Board minutes.pdf"
    assert refused.value.reason == "it is empty"
    assert str(refused.value) == "Board minutes.pdf was not accepted: it is empty."


def test_type_refusal_lists_what_is_accepted(hostile_cases):
    with pytest.raises(FileRefused) as refused:
        check_file(hostile_cases["setup.exe"].path, "setup.exe")
    assert str(refused.value) == (
        "setup.exe was not accepted: files of this type are not accepted. Upload a PDF, "
        "Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument (ODT, ODS), PNG, JPEG, "
        "CSV or plain text file."
    )


def test_size_limit_is_worded_from_max_bytes(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as fh:  # sparse: 25 MB and one byte
        fh.seek(25 * 1024 * 1024)
        fh.write(b"\n")

    with pytest.raises(FileRefused) as refused:
        check_file(path, "big.txt")
    assert refused.value.reason == "it is larger than the 25 MB limit"

    with pytest.raises(FileRefused) as refused:
        check_file(path, "big.txt", max_bytes=int(2.5 * 1024 * 1024))
    assert refused.value.reason == "it is larger than the 2.5 MB limit"


def test_default_limit_is_25_mb():
    assert filecheck.DEFAULT_MAX_BYTES == 25 * 1024 * 1024
    assert filecheck._format_size(filecheck.DEFAULT_MAX_BYTES) == "25 MB"


def test_file_refused_survives_pickling():
    refused = pickle.loads(pickle.dumps(FileRefused("a.pdf", "it is empty")))  # noqa: S301
    assert (refused.filename, refused.reason, str(refused)) == (
        "a.pdf",
        "it is empty",
        "a.pdf was not accepted: it is empty.",
    )


# ----------------------------------------------------------------------- names


def _visible_problems(name):
    problems = []
    if "/" in name or "\\" in name:
        problems.append("path separator")
    if any(unicodedata.category(c).startswith("C") for c in name):
        problems.append("control or format character")
    if any(c in '<>:"|?*' for c in name):
        problems.append("character invalid on Windows")
    if name.startswith((".", " ")) or name.endswith((".", " ")):
        problems.append("leading or trailing dot or space")
    if len(name) > 120:
        problems.append("too long")
    if not name:
        problems.append("empty")
    return problems


@pytest.mark.parametrize("name", filecorpus.hostile_names(), ids=ascii)
def test_hostile_name_sanitises_to_a_safe_display_name(name):
    safe = sanitise_filename(name)
    assert _visible_problems(safe) == []
    assert unicodedata.is_normalized("NFC", safe)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.ini.pdf", "boot.ini.pdf"),
        ("C:\\Users\\lead\\Desktop\\minutes.docx", "minutes.docx"),
        ("report\x00\x07.pdf", "report.pdf"),
        ("a\r\nb.pdf", "a b.pdf"),
        # The override made "invoice\u202efdp.exe" display as "invoiceexe.pdf".
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("minutes\u202eTXT.pdf", "minutesTXT.pdf"),
        ("zero\u200bwidth\ufeff.pdf", "zerowidth.pdf"),
        ('a<b>c:d"e|f?g*h.pdf', "abcdefgh.pdf"),
        ("....pdf", "file.pdf"),
        ("", "file"),
        ("..", "file"),
        ("trailing dots....csv", "trailing dots.csv"),
        ("  Board   papers \t June .pdf", "Board papers June.pdf"),
        ("cafe\u0301 menu.pdf", "caf\u00e9 menu.pdf"),
        ("CON.txt", "_CON.txt"),
        ("Report v1.2 (final)", "Report v1.2 (final)"),
    ],
)
def test_sanitise_filename(name, expected):
    assert sanitise_filename(name) == expected


def test_long_name_is_truncated_keeping_the_extension():
    safe = sanitise_filename("x" * 300 + ".xlsx")
    assert len(safe) == 120
    assert safe == "x" * 115 + ".xlsx"
    assert sanitise_filename("\u00e9" * 300 + ".pdf", max_length=40) == "\u00e9" * 36 + ".pdf"


def test_hostile_name_keeps_its_extension():
    for name in filecorpus.hostile_names():
        stem, dot, extension = unicodedata.normalize("NFC", name).rpartition(".")
        if dot and extension.isalnum() and stem.strip(". "):
            assert sanitise_filename(name).endswith("." + extension), name


def test_right_to_left_override_name_shows_its_real_extension_and_is_refused(hostile_cases):
    name = "invoice\u202efdp.exe"
    assert sanitise_filename(name).endswith(".exe")
    assert "\u202e" not in sanitise_filename(name)
    with pytest.raises(FileRefused, match="files of this type are not accepted"):
        check_file(hostile_cases[name].path, name)


# ----------------------------------------------------------- memory and imports


def test_large_text_file_is_checked_in_little_memory(tmp_path):
    path = tmp_path / "large.txt"
    line = b"Engagement log entry: public meeting held, 48 attended, notes follow.\n"
    with open(path, "wb") as fh:
        block = line * (1024 * 1024 // len(line))
        for _ in range(20):
            fh.write(block)
    size = path.stat().st_size
    assert size > 19 * 1024 * 1024

    tracemalloc.start()
    try:
        checked = check_file(path, "large.txt")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert checked.size == size
    print(f"tracemalloc peak for a {size / 2**20:.1f} MB text file: {peak / 1024:.0f} KiB")
    assert peak < 2 * 1024 * 1024


def test_importing_filecheck_loads_no_django():
    code = (
        "import sys\n"
        "import evidence.filecheck\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    result = subprocess.run(  # noqa: S603  (fixed interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={}
    )
    assert result.stdout.strip() == ""
