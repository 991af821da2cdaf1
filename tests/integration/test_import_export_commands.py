"""``manage.py export_ratings`` and ``manage.py import_ratings``: the command's export is the
web's, an import is all or nothing and names the line of every problem, a re-run changes
nothing."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment.audit import audit_events
from assessment.models import Rating
from evidence.models import Submission
from results.services import import_ratings
from tests.factories import CCGFactory
from tests.results_data import WEST_NORFOLK_2018, cycle_2018, rate, rate_all, released

pytestmark = pytest.mark.django_db

HEADER = "ods_code,A,B,C,D,E"
GOOD = f"{HEADER}\n07J,2,2,2,1,2\n01F,3,3,2,2,2\n"


def export_command(*args):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    call_command("export_ratings", *args, stdout=out)
    out.flush()
    return out.buffer.getvalue()


def import_command(tmp_path, text, *args, name="ratings.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_ratings", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def rated(cycle, roles):
    rate_all(CCGFactory.create_batch(30), cycle)
    return released(cycle)


# --------------------------------------------------------------------------- export_ratings


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_command_writes_the_same_bytes_as_the_web_export(client, roles, rated, fmt):
    client.force_login(roles.admin)
    web = client.get(reverse("results:export", args=[rated.slug, fmt])).content
    assert export_command("--cycle", "2019/20", "--format", fmt) == web


def test_the_xlsx_command_writes_the_web_exports_rows_to_a_file(client, roles, rated, tmp_path):
    client.force_login(roles.admin)
    web = client.get(reverse("results:export", args=[rated.slug, "xlsx"])).content
    out = tmp_path / "ratings.xlsx"
    call_command("export_ratings", "--cycle", "2019/20", "--format", "xlsx", "--out", str(out),
                 stderr=io.StringIO())  # fmt: skip

    def rows(content):
        return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))

    assert rows(out.read_bytes()) == rows(web)
    assert len(rows(web)) == 31
    assert rows(export_command("--cycle", "2019/20", "--format", "xlsx")) == rows(web)


def test_xlsx_is_not_written_to_a_text_stream(rated):
    with pytest.raises(CommandError, match="binary: give --out FILE"):
        call_command("export_ratings", "--cycle", "2019/20", "--format", "xlsx",
                     stdout=io.StringIO())  # fmt: skip


def test_the_command_text_stream_gets_the_csv_text(rated):
    out = io.StringIO()
    call_command("export_ratings", "--cycle", "2019/20", "--format", "csv", stdout=out)
    assert len(list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))) == 31


def test_the_command_refuses_an_unreleased_cycle(cycle, ccg):
    rate(ccg, cycle, WEST_NORFOLK_2018)
    with pytest.raises(CommandError, match=r"2019/20 have not been released.*Nothing was written"):
        export_command("--cycle", "2019/20", "--format", "csv")


def test_the_command_refuses_an_unknown_cycle(cycle):
    with pytest.raises(CommandError, match="no cycle '2030/31'"):
        export_command("--cycle", "2030/31", "--format", "json")


# --------------------------------------------------------------------------- import_ratings


@pytest.fixture
def past(ccg, other_ccg):
    return cycle_2018()


def counts():
    return Rating.objects.count(), Submission.objects.count()


def test_an_import_records_published_ratings_marked_imported(tmp_path, past, ccg):
    output = import_command(tmp_path, GOOD, "--cycle", "2018/19", "--released-on", "2019-07-31")
    assert "2018/19: 2 ratings created, 0 unchanged (2 submissions created)." in output
    assert "The cycle is now released, as published on 31 July 2019." in output
    rating = Rating.objects.get(submission__ccg=ccg, submission__cycle=past)
    assert (rating.total, rating.band_label, rating.scores) == (9, "Amber", WEST_NORFOLK_2018)
    assert rating.source == Rating.Source.IMPORTED
    assert rating.proposed_by is None and rating.confirmed_by is None
    assert rating.note.startswith("Published result, imported from ratings.csv (SHA-256 ")
    submission = rating.submission
    assert (submission.status, submission.submitted_at) == ("draft", None)
    assert not submission.is_editable()  # a draft long past its deadline
    past.refresh_from_db()
    assert past.is_released()
    assert timezone.localtime(past.released_at).date() == date(2019, 7, 31)
    [event] = audit_events(submission, kinds=["rating"])
    assert event.summary.startswith("Published rating imported 9 Amber")


def test_a_second_run_of_the_same_file_changes_nothing(tmp_path, past):
    import_command(tmp_path, GOOD, "--cycle", "2018/19", "--released-on", "2019-07-31")
    before = counts()
    output = import_command(tmp_path, GOOD, "--cycle", "2018/19")
    assert "2018/19: 0 ratings created, 2 unchanged (0 submissions created)." in output
    assert "now released" not in output
    assert counts() == before


def test_the_band_comes_from_that_cycles_table(tmp_path, past, ccg):
    past.bands.filter(code="amber").update(maximum=8)
    past.bands.filter(code="green").update(minimum=9)
    import_command(tmp_path, GOOD, "--cycle", "2018/19", "--released-on", "2019-07-31")
    rating = Rating.objects.get(submission__ccg=ccg)
    assert (rating.total, rating.band_label) == (9, "Green")
    assert rating.bands_version == past.bands_version


def test_an_existing_submission_is_reused(tmp_path, past, ccg):
    Submission.objects.create(ccg=ccg, cycle=past)
    output = import_command(tmp_path, GOOD, "--cycle", "2018/19", "--released-on", "2019-07-31")
    assert "2 ratings created, 0 unchanged (1 submission created)" in output
    assert Submission.objects.filter(cycle=past).count() == 2


def test_a_file_with_a_byte_order_mark_and_blank_lines_imports(tmp_path, past):
    text = "\ufeff" + HEADER + "\r\n\r\n07J, 2, 2, 2, 1, 2\r\n01f,3,3,2,2,2\r\n"
    output = import_command(tmp_path, text, "--cycle", "2018/19", "--released-on", "2019-07-31")
    assert "2 ratings created" in output


NOT_WHOLE = "not a whole number from 0 to 3"
BAD_HEADER = "Line 1: the header must be exactly ods_code,A,B,C,D,E"
FAILURES = {
    "unknown ODS code": (
        f"{HEADER}\n07J,2,2,2,1,2\n99X,1,1,1,1,1\n",
        ["Line 3: unknown ODS code 99X."],
    ),
    "score above 3": (
        f"{HEADER}\n07J,2,2,4,1,2\n",
        ["Line 2: the score for domain C is 4, outside 0-3."],
    ),
    "negative score": (
        f"{HEADER}\n07J,2,2,2,-1,2\n",
        [f"Line 2: the score for domain D is '-1', {NOT_WHOLE}."],
    ),
    "not a number": (
        f"{HEADER}\n07J,2,two,2,1,2\n",
        [f"Line 2: the score for domain B is 'two', {NOT_WHOLE}."],
    ),
    "a decimal": (
        f"{HEADER}\n07J,2,2,2,1,2.0\n",
        [f"Line 2: the score for domain E is '2.0', {NOT_WHOLE}."],
    ),
    "an empty score": (
        f"{HEADER}\n07J,2,2,,1,2\n",
        [f"Line 2: the score for domain C is '', {NOT_WHOLE}."],
    ),
    "missing column": (
        "ods_code,A,B,C,E\n07J,2,2,2,2\n",
        [f"{BAD_HEADER}; missing column D."],
    ),
    "no header": (
        "07J,2,2,2,1,2\n",
        [f"{BAD_HEADER}; missing columns ods_code, A, B, C, D, E; unexpected columns 07J, 2, 1."],
    ),
    "empty file": ("", [f"{BAD_HEADER}; the file is empty."]),
    "header only": (f"{HEADER}\n", ["The file has a header but no ratings."]),
    "short row": (
        f"{HEADER}\n07J,2,2,2,1\n",
        ["Line 2: expected 6 values (ods_code,A,B,C,D,E), found 5."],
    ),
    "duplicate ODS row": (
        f"{HEADER}\n07J,2,2,2,1,2\n01F,3,3,2,2,2\n07j,2,2,2,1,2\n",
        ["Line 4: 07J appears again (first on line 2)."],
    ),
    "several problems": (
        f"{HEADER}\n07J,2,2,2,1,9\n99X,1,1,1,1,1\n01F,3,3,2,2,2\n01F,3,3,2,2,2\n",
        [
            "3 problems found",
            "Line 2: the score for domain E is 9",
            "Line 5: 01F appears again (first on line 4).",
            "Line 3: unknown ODS code 99X.",
        ],
    ),
}


@pytest.mark.parametrize("case", FAILURES)
def test_a_bad_file_changes_nothing_and_names_the_line(tmp_path, past, case):
    text, expected = FAILURES[case]
    before = counts()
    with pytest.raises(CommandError) as refused:
        import_command(tmp_path, text, "--cycle", "2018/19", "--released-on", "2019-07-31")
    message = str(refused.value)
    assert message.startswith("Nothing was imported")
    for part in expected:
        assert part in message
    assert counts() == before
    past.refresh_from_db()
    assert past.released_at is None


def test_a_different_rating_in_force_changes_nothing(tmp_path, past, ccg, other_ccg):
    rate(ccg, past, {"A": 3, "B": 3, "C": 3, "D": 3, "E": 3})
    released(past)
    before = counts()
    with pytest.raises(CommandError) as refused:
        import_command(tmp_path, GOOD, "--cycle", "2018/19")
    assert (
        "Line 2: 07J already has a rating in force for 2018/19 (A3 B3 C3 D3 E3 = 15 Green star), "
        "different from this line's (A2 B2 C2 D1 E2)"
    ) in str(refused.value)
    assert counts() == before  # Halton's good line was not imported either


def test_an_unreleased_cycle_needs_the_publication_day(tmp_path, past):
    before = counts()
    with pytest.raises(CommandError, match=r"2018/19 has not been released.*--released-on"):
        import_command(tmp_path, GOOD, "--cycle", "2018/19")
    with pytest.raises(CommandError, match="is in the future"):
        import_command(tmp_path, GOOD, "--cycle", "2018/19", "--released-on", "2999-01-01")
    with pytest.raises(CommandError, match="not a date like"):
        import_command(tmp_path, GOOD, "--cycle", "2018/19", "--released-on", "31/07/2019")
    assert counts() == before


def test_a_cycle_not_loaded_is_refused(tmp_path, ccg):
    with pytest.raises(CommandError, match="load its framework file first"):
        import_command(tmp_path, GOOD, "--cycle", "2018/19")


def test_a_released_cycle_keeps_its_release(tmp_path, past):
    released(past)
    was = past.released_at
    output = import_command(tmp_path, GOOD, "--cycle", "2018/19", "--released-on", "2019-07-31")
    assert "now released" not in output
    past.refresh_from_db()
    assert past.released_at == was


def test_the_service_takes_rows_and_the_imported_results_export(client, roles, past):
    rows = [["ods_code", "A", "B", "C", "D", "E"], ["07J", 2, 2, 2, 1, 2]]
    report = import_ratings(past, rows, released_on=date(2019, 7, 31))
    assert report.created == ["07J"] and report.unchanged == []
    client.force_login(roles.admin)
    document = json.loads(client.get(reverse("results:export", args=[past.slug, "json"])).content)
    assert [(r["ods_code"], r["total"], r["ragg"]) for r in document["results"]] == [
        ("07J", 9, "Amber")
    ]


def test_an_imported_submission_is_not_in_the_leads_list_of_evidence(
    tmp_path, client, roles, past, submission
):
    import_command(tmp_path, GOOD, "--cycle", "2018/19", "--released-on", "2019-07-31")
    client.force_login(roles.lead)
    html = client.get(reverse("evidence:list")).content.decode()
    assert f"/submissions/{submission.cycle.slug}/07J/" in html  # this year's evidence
    assert f"/submissions/{past.slug}/07J/" not in html  # the imported result's
