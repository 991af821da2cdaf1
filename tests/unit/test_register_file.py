"""Reading the ONS CCG lookup files (ccgs/register_file.py)."""

from pathlib import Path

import pytest

from ccgs.register_file import RegisterFileError, canonical_stp_code, read_register

DATA = Path(__file__).resolve().parents[2] / "ccgs" / "data"
HEADER = "\ufeffFID,CCG19CD,CCG19CDH,CCG19NM,STP19CD,STP19NM\n"


def write(tmp_path, text):
    path = tmp_path / "ccg.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("year", "count"), [(2019, 191), (2020, 135), (2021, 106)])
def test_shipped_files_read_whole(year, count):
    rows = read_register(DATA / f"ccg_{year}.csv", year)
    assert len(rows) == count
    assert len({row.ods_code for row in rows}) == count


def test_a_name_with_a_comma_survives_quoting():
    rows = read_register(DATA / "ccg_2019.csv", 2019)
    assert rows[0].name == "NHS Airedale, Wharfedale and Craven CCG"


def test_bad_rows_are_named_by_line_with_every_reason(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "1,E38000001,02N,NHS A CCG,E54000005,STP\n"
        + "2,X38000002,02w,,E54000005,STP\n"
        + "3,E38000003,02N,NHS C CCG,E54000005,STP\n",
    )
    with pytest.raises(RegisterFileError) as caught:
        read_register(path, 2019)
    problems = caught.value.problems
    assert problems[0].startswith("line 3: ONS code 'X38000002' is not like E38000001")
    assert "ODS code '02w'" in problems[0]
    assert "the CCG name is empty" in problems[0]
    assert problems[1] == "line 4: ODS code 02N is already on line 2"


def test_a_header_for_another_year_is_refused(tmp_path):
    path = write(tmp_path, HEADER + "1,E38000001,02N,NHS A CCG,E54000005,STP\n")
    with pytest.raises(RegisterFileError, match="header lacks column CCG20CD"):
        read_register(path, 2020)


def test_a_short_row_is_refused(tmp_path):
    path = write(tmp_path, HEADER + "1,E38000001,02N\n")
    with pytest.raises(RegisterFileError, match="line 2: the row has the wrong number of columns"):
        read_register(path, 2019)


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(RegisterFileError, match="no rows"):
        read_register(write(tmp_path, HEADER), 2019)


def test_recoded_2019_stp_codes_map_to_2020():
    assert canonical_stp_code("E54000005") == "E54000054"
    assert canonical_stp_code("E54000022") == "E54000022"
