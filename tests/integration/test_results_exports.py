"""The published exports (CSV, XLSX, JSON) of a released cycle, and the results index."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment.scoring import DOMAIN_CODES
from results import exports
from results.selectors import COLUMNS
from tests.factories import CCGFactory
from tests.results_data import rate, rate_all, released

pytestmark = pytest.mark.django_db

ROLE_ANSWERS = {
    "lead": 404, "other_lead": 404, "officer": 404, "other_officer": 404,
    "assessor": 404, "nobody": 404, "moderator": 200, "admin": 200,
}  # fmt: skip


def export_url(cycle, fmt):
    return reverse("results:export", kwargs={"cycle": cycle.slug, "format": fmt})


def download(client, cycle, fmt):
    response = client.get(export_url(cycle, fmt))
    assert response.status_code == 200
    return response


@pytest.fixture
def national_cycle(cycle, roles):
    """2019/20 with 191 CCGs rated (deterministic scores) and released."""
    ccgs = CCGFactory.create_batch(191)
    given = rate_all(ccgs, cycle)
    released(cycle)
    return cycle, given


def expected_total(scores):
    return sum(scores[code] for code in DOMAIN_CODES)


def test_the_csv_of_191_ccgs_has_one_row_per_ccg_matching_the_final_ratings(
    client, roles, national_cycle
):
    cycle, given = national_cycle
    client.force_login(roles.admin)
    response = download(client, cycle, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="engagement-ratings-2019-20.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    header, *rows = list(reader)
    assert tuple(header) == COLUMNS
    assert len(rows) == 191
    assert {row[1] for row in rows} == set(given)
    for row in rows:
        record = dict(zip(COLUMNS, row, strict=True))
        scores = given[record["ods_code"]]
        assert [int(record[c]) for c in DOMAIN_CODES] == [scores[c] for c in DOMAIN_CODES]
        assert int(record["total"]) == expected_total(scores)
        assert record["cycle"] == "2019/20"
        assert record["ragg"] in {"Red", "Amber", "Green", "Green star"}


def test_the_xlsx_of_191_ccgs_opens_with_numbers_as_numbers(client, roles, national_cycle):
    cycle, given = national_cycle
    client.force_login(roles.moderator)
    response = download(client, cycle, "xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["2019-20"]
    sheet = workbook["2019-20"]
    assert sheet.freeze_panes == "A2"
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header == COLUMNS
    assert all(cell.font.bold for cell in sheet[1])
    assert len(rows) == 191
    for row in rows:
        record = dict(zip(COLUMNS, row, strict=True))
        scores = given[record["ods_code"]]
        assert [record[c] for c in DOMAIN_CODES] == [scores[c] for c in DOMAIN_CODES]
        assert isinstance(record["total"], int)
        assert record["total"] == expected_total(scores)
    assert sheet.column_dimensions["C"].width >= len("NHS Test 100 CCG")


def test_the_json_of_191_ccgs_agrees_with_the_csv(client, roles, national_cycle):
    cycle, given = national_cycle
    client.force_login(roles.admin)
    document = json.loads(download(client, cycle, "json").content)
    assert document["cycle"]["label"] == "2019/20"
    assert document["cycle"]["columns"] == list(COLUMNS)
    assert len(document["results"]) == 191
    for record in document["results"]:
        scores = given[record["ods_code"]]
        assert {c: record[c] for c in DOMAIN_CODES} == scores
        assert record["total"] == expected_total(scores)
    csv_rows = list(
        csv.DictReader(io.StringIO(download(client, cycle, "csv").content.decode("utf-8-sig")))
    )
    as_text = [{k: str(v) for k, v in record.items()} for record in document["results"]]
    assert as_text == csv_rows


def test_text_cells_that_look_like_formulas_stay_text(client, roles, cycle):
    hostile = CCGFactory(name='=HYPERLINK("http://evil.example","click")', ods_code="99Z")
    rate(hostile, cycle, {"A": 1, "B": 1, "C": 1, "D": 1, "E": 1})
    released(cycle)
    client.force_login(roles.admin)
    [row] = list(
        csv.reader(io.StringIO(download(client, cycle, "csv").content.decode("utf-8-sig")))
    )[1:]
    assert row[2] == "'" + hostile.name
    sheet = load_workbook(io.BytesIO(download(client, cycle, "xlsx").content)).active
    assert sheet["C2"].value == hostile.name
    assert sheet["C2"].data_type == "s"  # text, not a formula


def test_a_review_rating_replaces_the_original_in_the_export(client, roles, cycle, ccg):
    original = rate(ccg, cycle, {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2})
    rate(ccg, cycle, {"A": 2, "B": 2, "C": 2, "D": 3, "E": 2}, supersedes=original,
         source="review")  # fmt: skip
    released(cycle)
    client.force_login(roles.admin)
    document = json.loads(download(client, cycle, "json").content)
    assert [(r["ods_code"], r["total"], r["ragg"]) for r in document["results"]] == [
        ("07J", 11, "Green")
    ]


@pytest.mark.parametrize("fmt", exports.FORMATS)
@pytest.mark.parametrize("release", [None, timezone.timedelta(hours=1)])
def test_an_unreleased_cycle_is_not_exported(client, roles, cycle, ccg, fmt, release):
    rate(ccg, cycle, {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2})
    cycle.released_at = None if release is None else timezone.now() + release
    cycle.save()
    client.force_login(roles.admin)
    assert client.get(export_url(cycle, fmt)).status_code == 404
    with pytest.raises(exports.UnreleasedCycle, match="have not been released"):
        exports.export(cycle, fmt)


def test_an_unknown_format_or_cycle_is_not_found(client, roles, cycle):
    released(cycle)
    client.force_login(roles.admin)
    assert client.get(export_url(cycle, "pdf")).status_code == 404
    assert client.get(export_url(cycle, "CSV")).status_code == 404
    url = reverse("results:export", kwargs={"cycle": "1999-00", "format": "csv"})
    assert client.get(url).status_code == 404
    with pytest.raises(exports.UnknownFormat):
        exports.export(cycle, "pdf")


@pytest.mark.parametrize("role", [*ROLE_ANSWERS, "anonymous"])
def test_exports_and_the_index_are_for_the_national_team(client, roles, cycle, ccg, role):
    rate(ccg, cycle, {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2})
    released(cycle)
    if role != "anonymous":
        client.force_login(getattr(roles, role))
    for url in (reverse("results:index"), export_url(cycle, "csv")):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == ROLE_ANSWERS[role], (role, url)


def test_the_index_lists_released_cycles_with_counts_and_links(client, roles, cycle, ccg,
                                                               other_ccg):  # fmt: skip
    from tests.results_data import cycle_2018

    older = cycle_2018()
    rate(ccg, cycle, {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2})
    rate(other_ccg, cycle, {"A": 3, "B": 3, "C": 3, "D": 2, "E": 2})
    rate(ccg, older, {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2})
    released(cycle)  # 2018/19 is not released: not listed
    client.force_login(roles.moderator)
    response = client.get(reverse("results:index"))
    rows = response.context["rows"]
    assert [(r["cycle"].label, r["rated"]) for r in rows] == [("2019/20", 2)]
    for fmt in exports.FORMATS:
        assert export_url(cycle, fmt) in response.content.decode()
    assert "2018/19" not in response.content.decode()


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_the_export_runs_a_fixed_number_of_queries(client, roles, cycle, fmt):
    released(cycle)
    client.force_login(roles.admin)
    rate_all(CCGFactory.create_batch(1), cycle)
    one = queries_for(client, export_url(cycle, fmt))
    rate_all(CCGFactory.create_batch(20), cycle)
    assert queries_for(client, export_url(cycle, fmt)) == one


def test_the_index_runs_a_fixed_number_of_queries(client, roles, cycle):
    from tests.results_data import extra_cycle

    client.force_login(roles.admin)
    released(cycle)
    one = queries_for(client, reverse("results:index"))
    for year in (2014, 2015, 2016, 2017):
        released(extra_cycle(year))
    assert queries_for(client, reverse("results:index")) == one
