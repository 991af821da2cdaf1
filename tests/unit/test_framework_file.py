"""Reading and checking cycle framework files (assessment/framework.py)."""

import tomllib
from pathlib import Path

import pytest

from assessment.framework import FrameworkFileError, parse_framework, read_framework_file

FRAMEWORKS = Path(__file__).resolve().parents[2] / "assessment" / "frameworks"
SHIPPED = sorted(FRAMEWORKS.glob("*.toml"))


def shipped_text(name="2019-20.toml") -> str:
    return (FRAMEWORKS / name).read_text(encoding="utf-8")


def problems_of(text: str) -> list[str]:
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(text.encode())
    return caught.value.problems


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_framework_files_load(path):
    spec = read_framework_file(path)
    assert [domain.code for domain in spec.domains] == ["A", "B", "C", "D", "E"]
    assert all(domain.criteria for domain in spec.domains)
    assert [(b.label, b.minimum, b.maximum) for b in spec.bands] == [
        ("Red", 0, 4),
        ("Amber", 5, 9),
        ("Green", 10, 13),
        ("Green star", 14, 15),
    ]


def test_shipped_files_carry_the_letters_framework_names_and_guidance_sections():
    by_label = {spec.label: spec for spec in map(read_framework_file, SHIPPED)}
    assert by_label["2018/19"].framework_name.startswith("CCG Improvement and Assessment")
    assert by_label["2018/19"].guidance_section == "3.4"
    assert by_label["2019/20"].framework_name == "NHS Oversight Framework"
    assert by_label["2019/20"].guidance_section == "2.4.1"


def test_a_gap_in_the_bands_is_named():
    text = shipped_text().replace("minimum = 5", "minimum = 6", 1)
    assert any("No band covers 5" in p for p in problems_of(text))


def test_every_problem_is_listed_not_just_the_first():
    text = (
        shipped_text()
        .replace('label = "2019/20"', 'label = "2019/21"', 1)
        .replace("period_end = 2020-03-31", "period_end = 2019-01-01", 1)
    )
    problems = problems_of(text)
    assert any("label '2019/21'" in p for p in problems)
    assert any("period_start (2019-04-01) must come before period_end" in p for p in problems)


def test_a_missing_field_is_named():
    lines = [line for line in shipped_text().splitlines() if not line.startswith("framework_name")]
    assert "framework_name is missing" in problems_of("\n".join(lines))


def test_a_duplicate_criterion_code_is_named():
    text = shipped_text().replace('code = "A2"', 'code = "A1"', 1)
    assert "criterion code A1 is used twice" in " ".join(problems_of(text))


def test_domains_must_be_a_to_e():
    data = shipped_text()
    text = data.replace('code = "E"', 'code = "F"', 1)
    assert any("domains must be exactly A, B, C, D, E" in p for p in problems_of(text))


def test_not_toml_is_refused_with_the_parser_message():
    assert problems_of("label = ")[0].startswith("is not valid TOML")


def test_a_wrong_type_is_named():
    text = shipped_text().replace("register_year = 2019", 'register_year = "2019"', 1)
    assert "register_year must be a whole number, not '2019'" in problems_of(text)


def test_an_unreadable_path_is_reported(tmp_path):
    with pytest.raises(FrameworkFileError, match="cannot be read"):
        read_framework_file(tmp_path / "missing.toml")


def test_the_source_hash_changes_with_the_content():
    spec = parse_framework(shipped_text().encode())
    edited = parse_framework((shipped_text() + "\n# edited\n").encode())
    assert spec.source_sha256 != edited.source_sha256
    assert tomllib.loads(shipped_text())["label"] == spec.label
