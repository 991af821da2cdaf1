"""``import_ccgs``: the real ONS files, imported twice, and broken files that change nothing."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from ccgs.models import CCG, RegisterEntry
from ccgs.services import SHIPPED_REGISTERS, import_register

pytestmark = pytest.mark.django_db

EXPECTED = {2019: 191, 2020: 135, 2021: 106}


def import_all():
    return {year: import_register(path, year) for year, path in SHIPPED_REGISTERS.items()}


def register_snapshot():
    return sorted(
        RegisterEntry.objects.values_list(
            "ccg__ods_code", "year", "name", "ons_code", "stp__ons_code", "stp__region__name"
        )
    ), sorted(CCG.objects.values_list("ods_code", "name", "successor__ods_code"))


def test_each_shipped_file_twice_gives_the_same_register_and_reports_unchanged():
    first = import_all()
    snapshot = register_snapshot()
    second = import_all()

    for year, count in EXPECTED.items():
        assert (first[year].created, first[year].updated) == (count, 0)
        assert (second[year].created, second[year].updated, second[year].unchanged) == (
            0,
            0,
            count,
        )
        assert RegisterEntry.objects.filter(year=year).count() == count
    assert register_snapshot() == snapshot


def test_every_ccg_has_an_stp_and_a_region():
    import_all()
    assert not CCG.objects.filter(stp__region__isnull=True).exists()
    assert CCG.objects.get(ods_code="07J").stp.region.name == "East of England"
    assert CCG.objects.get(ods_code="01F").stp.region.name == "North West"


def test_vanished_ccgs_point_to_the_ccg_they_merged_into():
    report = import_all()[2021]
    successors = dict(CCG.objects.values_list("ods_code", "successor__ods_code"))
    assert successors["07J"] == "26A"  # West Norfolk -> Norfolk and Waveney (2020)
    assert successors["03E"] == "42D"  # Harrogate -> North Yorkshire (recorded)
    assert successors["09L"] == "92A"  # East Surrey -> Surrey Heartlands (names)
    assert successors["08Y"] == "W2U3Z"  # West London -> North West London (2021)
    assert successors["26A"] is None
    assert report.unresolved_mergers == []


def test_a_successor_set_by_an_admin_is_kept():
    import_all()
    CCG.objects.filter(ods_code="07J").update(
        successor=CCG.objects.get(ods_code="01F"), successor_basis=CCG.SuccessorBasis.MANUAL
    )
    import_all()
    assert CCG.objects.get(ods_code="07J").successor.ods_code == "01F"


def test_importing_an_older_list_after_a_newer_one_keeps_the_newer_name():
    import_register(SHIPPED_REGISTERS[2020], 2020)
    CCG.objects.filter(ods_code="00T").update(name="Renamed in 2020")
    RegisterEntry.objects.filter(ccg__ods_code="00T").update(name="Renamed in 2020")
    import_register(SHIPPED_REGISTERS[2019], 2019)
    assert CCG.objects.get(ods_code="00T").name == "Renamed in 2020"
    assert RegisterEntry.objects.get(ccg__ods_code="00T", year=2019).name == "NHS Bolton CCG"


def test_a_file_with_a_broken_row_changes_nothing_and_names_the_line(tmp_path):
    import_register(SHIPPED_REGISTERS[2019], 2019)
    before = register_snapshot()
    lines = SHIPPED_REGISTERS[2019].read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].replace("NHS Airedale", "NHS Renamed Airedale")  # a valid change
    lines[40] = lines[40].replace(",E38", ",X38", 1)  # line 41 of the file is broken
    broken = tmp_path / "ccg_2019.csv"
    broken.write_text("\n".join(lines), encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("import_ccgs", str(broken), "--year", "2019")

    assert "Nothing was imported" in str(caught.value)
    assert "line 41: ONS code 'X38" in str(caught.value)
    assert register_snapshot() == before


def test_a_corrected_file_updates_and_removes_entries(tmp_path):
    import_register(SHIPPED_REGISTERS[2019], 2019)
    lines = SHIPPED_REGISTERS[2019].read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].replace("NHS Airedale", "NHS Renamed Airedale")
    del lines[2]  # Bradford City no longer on the list
    corrected = tmp_path / "ccg_2019.csv"
    corrected.write_text("\n".join(lines), encoding="utf-8")

    report = import_register(corrected, 2019)

    assert (report.created, report.updated, report.unchanged, report.removed) == (0, 1, 189, 1)
    assert not RegisterEntry.objects.filter(ccg__ods_code="02W", year=2019).exists()


def test_the_command_reports_created_updated_unchanged(tmp_path, capsys):
    path = tmp_path / "ccg_2021.csv"
    shutil.copy(SHIPPED_REGISTERS[2021], path)
    call_command("import_ccgs", str(path), "--year", "2021")
    call_command("import_ccgs", str(path), "--year", "2021")
    out = capsys.readouterr().out.splitlines()
    assert "106 created, 0 updated, 0 unchanged, 0 removed" in out[0]
    assert "0 created, 0 updated, 106 unchanged, 0 removed" in out[1]


def test_the_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_ccgs", str(tmp_path / "nope.csv"), "--year", "2019")
