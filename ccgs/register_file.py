"""Reading the ONS CCG-to-STP lookup files, as pure Python.

The files are UTF-8 with a byte order mark; their columns carry the year
(``CCG19CD``, ``CCG19CDH``, ``CCG19NM``, ``STP19CD`` ...). Every row is checked and
every problem is reported with its line number, so that an import can refuse a
broken file whole.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

ONS_CCG = re.compile(r"^E38\d{6}$")
ONS_STP = re.compile(r"^E54\d{6}$")
ONS_REGION = re.compile(r"^E40\d{6}$")
ODS_CCG = re.compile(r"^[0-9A-Z]{3,5}$")

# The 2019 list uses STP codes that ONS re-coded in 2020 for five STPs; the
# region lookup is keyed by the 2020 codes (source: the register README).
STP_RECODED_2020 = {
    "E54000005": "E54000054",
    "E54000006": "E54000051",
    "E54000033": "E54000053",
    "E54000035": "E54000052",
    "E54000049": "E54000050",
}


class RegisterFileError(ValueError):
    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class RegisterRow:
    line: int
    ons_code: str
    ods_code: str
    name: str
    stp_ons_code: str
    stp_name: str


@dataclass(frozen=True)
class RegionRow:
    stp_ons_code: str
    stp_ods_code: str
    stp_name: str
    region_ons_code: str
    region_ods_code: str
    region_name: str


def _read_text(path: Path, source: str) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RegisterFileError(source, [f"cannot be read ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise RegisterFileError(source, ["is not UTF-8 text"]) from exc


def _dict_rows(text: str, source: str, required: list[str]):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in required if column not in (reader.fieldnames or [])]
    if missing:
        raise RegisterFileError(
            source,
            [f"line 1: the header lacks column {', '.join(missing)}"],
        )
    return reader


def read_register(path: str | Path, year: int) -> list[RegisterRow]:
    """Rows of the CCG list of April ``year``; raises ``RegisterFileError`` with every problem."""
    path = Path(path)
    source = str(path)
    yy = f"{year % 100:02d}"
    columns = [f"CCG{yy}CD", f"CCG{yy}CDH", f"CCG{yy}NM", f"STP{yy}CD", f"STP{yy}NM"]
    reader = _dict_rows(_read_text(path, source), source, columns)
    problems: list[str] = []
    rows: list[RegisterRow] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record or any(record.get(c) is None for c in columns):
            problems.append(f"line {line}: the row has the wrong number of columns")
            continue
        values = {c: record[c].strip() for c in columns}
        ons, ods, name, stp, stp_name = (values[c] for c in columns)
        row_problems = []
        if not ONS_CCG.match(ons):
            row_problems.append(f"ONS code {ons!r} is not like E38000001")
        if not ODS_CCG.match(ods):
            row_problems.append(f"ODS code {ods!r} is not 3 to 5 capital letters or digits")
        if not name:
            row_problems.append("the CCG name is empty")
        if not ONS_STP.match(stp):
            row_problems.append(f"STP code {stp!r} is not like E54000001")
        if ods in seen:
            row_problems.append(f"ODS code {ods} is already on line {seen[ods]}")
        if row_problems:
            problems.append(f"line {line}: " + "; ".join(row_problems))
            continue
        seen[ods] = line
        rows.append(RegisterRow(line, ons, ods, name, stp, stp_name))
    if not rows and not problems:
        problems.append("the file has no rows")
    if problems:
        raise RegisterFileError(source, problems)
    return rows


def read_regions(path: str | Path) -> list[RegionRow]:
    """The STP-to-NHS-region lookup (April 2020)."""
    path = Path(path)
    source = str(path)
    columns = ["STP20CD", "STP20CDH", "STP20NM", "NHSER20CD", "NHSER20CDH", "NHSER20NM"]
    reader = _dict_rows(_read_text(path, source), source, columns)
    problems: list[str] = []
    rows = []
    for record in reader:
        values = [(record.get(c) or "").strip() for c in columns]
        if not ONS_STP.match(values[0]) or not ONS_REGION.match(values[3]) or not values[5]:
            problems.append(f"line {reader.line_num}: not an STP code, region code and name")
            continue
        rows.append(RegionRow(*values))
    if problems:
        raise RegisterFileError(source, problems)
    return rows


def canonical_stp_code(code: str) -> str:
    return STP_RECODED_2020.get(code, code)
