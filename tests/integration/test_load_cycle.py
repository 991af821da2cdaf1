"""``load_cycle``: the shipped framework files, reloads, and broken files that change nothing."""

import pytest
from django.core.management import CommandError, call_command

from assessment.models import Criterion, Cycle, Domain, RaggBand
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(Cycle.objects.values_list("label", "framework_name", "bands_version")),
        sorted(RaggBand.objects.values_list("cycle__label", "code", "minimum", "maximum")),
        sorted(Criterion.objects.values_list("domain__cycle__label", "code", "title")),
    )


def test_both_shipped_cycles_load_with_domains_criteria_and_bands():
    for path in SHIPPED_FRAMEWORKS:
        assert load_cycle(path).outcome == "created"
    cycle = Cycle.objects.get(label="2019/20")
    assert cycle.framework_name == "NHS Oversight Framework"
    assert cycle.guidance_section == "2.4.1"
    assert list(cycle.domains.values_list("code", flat=True)) == ["A", "B", "C", "D", "E"]
    assert Domain.objects.get(cycle=cycle, code="E").name == "Equalities and health inequalities"
    assert Criterion.objects.filter(domain__cycle=cycle).count() >= 15
    assert [b.label for b in cycle.band_table()] == ["Red", "Amber", "Green", "Green star"]
    assert Cycle.objects.get(label="2018/19").guidance_section == "3.4"


def test_loading_the_same_file_again_changes_nothing():
    load_cycle(SHIPPED_FRAMEWORKS[1])
    before = snapshot()
    assert load_cycle(SHIPPED_FRAMEWORKS[1]).outcome == "unchanged"
    assert snapshot() == before


def test_a_changed_band_table_bumps_the_bands_version(tmp_path):
    load_cycle(SHIPPED_FRAMEWORKS[1])
    text = SHIPPED_FRAMEWORKS[1].read_text(encoding="utf-8")
    text = text.replace("maximum = 9", "maximum = 8", 1).replace("minimum = 10", "minimum = 9", 1)
    edited = tmp_path / "edited.toml"
    edited.write_text(text, encoding="utf-8")

    report = load_cycle(edited)

    assert report.outcome == "updated"
    assert report.cycle.bands_version == 2
    assert RaggBand.objects.get(cycle=report.cycle, code="green").minimum == 9


def test_a_criterion_removed_from_the_file_is_removed(tmp_path):
    load_cycle(SHIPPED_FRAMEWORKS[1])
    text = SHIPPED_FRAMEWORKS[1].read_text(encoding="utf-8")
    start = text.index('code = "E4"')
    block_start = text.rindex("[[domains.criteria]]", 0, start)
    edited = tmp_path / "edited.toml"
    edited.write_text(text[:block_start], encoding="utf-8")  # E4 was the last criterion

    assert load_cycle(edited).outcome == "updated"
    assert not Criterion.objects.filter(code="E4").exists()


def test_a_broken_file_changes_nothing_and_says_what_is_wrong(tmp_path):
    load_cycle(SHIPPED_FRAMEWORKS[1])
    before = snapshot()
    text = SHIPPED_FRAMEWORKS[1].read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(
        text.replace("NHS Oversight Framework", "Renamed", 1).replace(
            "minimum = 14", "minimum = 13", 1
        ),
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as caught:
        call_command("load_cycle", str(broken))

    assert "Nothing was loaded" in str(caught.value)
    assert "overlaps the band below it at 13" in str(caught.value)
    assert snapshot() == before


def test_the_command_reports_what_it_did(capsys):
    call_command("load_cycle", str(SHIPPED_FRAMEWORKS[0]))
    call_command("load_cycle", str(SHIPPED_FRAMEWORKS[0]))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Cycle 2018/19 created: CCG Improvement and Assessment Framework")
    assert out[1].startswith("Cycle 2018/19 unchanged")


def test_a_criterion_with_evidence_cannot_be_removed(tmp_path, submission, roles):
    from evidence.models import EvidenceItem

    criterion = submission.cycle.domains.get(code="E").criteria.get(code="E4")
    EvidenceItem.objects.create(
        submission=submission, criterion=criterion, kind="link", url="https://example.org",
        description="Used", created_by=roles.lead,
    )  # fmt: skip
    text = SHIPPED_FRAMEWORKS[1].read_text(encoding="utf-8")
    block_start = text.rindex("[[domains.criteria]]", 0, text.index('code = "E4"'))
    edited = tmp_path / "edited.toml"
    edited.write_text(text[:block_start], encoding="utf-8")

    with pytest.raises(CommandError, match="criterion E4 is missing from the file, but evidence"):
        call_command("load_cycle", str(edited))
    assert Criterion.objects.filter(code="E4", domain__cycle=submission.cycle).exists()
