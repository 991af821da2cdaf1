"""The published exports of a released cycle: CSV, XLSX and JSON of ``selectors.result_rows``.

One row per rated CCG, the columns of ``selectors.COLUMNS`` (cycle, ODS code, CCG name,
STP, region, domains A-E, total, RAGG), the same bytes from the web page and from
``manage.py export_ratings``. A cycle not yet released is refused (``UnreleasedCycle``),
whoever asks: these files are for publication.

- CSV: UTF-8 with a byte-order mark, because Excel (the oversight dashboard team's tool)
  reads a CSV without one in the machine's legacy code page and garbles any name outside
  ASCII; Python, R and LibreOffice read the mark as UTF-8 too. Text cells go through
  ``common.spreadsheet.protect`` (no formula injection); numbers are plain numbers.
- XLSX: numbers stored as numbers, a bold frozen header row, column widths from the
  content, the sheet named after the cycle ("2019-20": "/" is not allowed in a sheet
  name). Text cells are always stored as text, never as formulas.
- JSON: ``{"cycle": {...}, "results": [row, ...]}`` with the rows keyed by ``COLUMNS``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from assessment.models import Cycle
from common.spreadsheet import protect
from results.selectors import COLUMNS, ResultRow, result_rows

FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
HEADER_FILL = "D8DDE0"  # NHS mid grey


class UnreleasedCycle(Exception):
    """The cycle's ratings are not public yet; the message is for the user."""


class UnknownFormat(ValueError):
    pass


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str


def released_rows(cycle: Cycle) -> list[ResultRow]:
    """The cycle's published rows; refused before ``released_at`` (one query)."""
    if not cycle.is_released():
        raise UnreleasedCycle(
            f"The ratings of {cycle.label} have not been released, so they cannot be exported."
        )
    return result_rows(cycle)


def sheet_title(cycle: Cycle) -> str:
    """An Excel sheet name: at most 31 characters, none of ``/ \\ ? * [ ] :``."""
    title = cycle.label
    for character in "/\\?*[]:":
        title = title.replace(character, "-")
    return title[:31]


def filename(cycle: Cycle, fmt: str) -> str:
    return f"engagement-ratings-{cycle.slug}.{fmt}"


def csv_bytes(rows: list[ResultRow]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(protect(v) if isinstance(v, str) else v for v in row.values())
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[ResultRow], cycle: Cycle) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(cycle)
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    for row in rows:
        sheet.append(row.values())
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
    widths = [len(name) for name in COLUMNS]
    for row in rows:
        widths = [max(w, len(str(v))) for w, v in zip(widths, row.values(), strict=True)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 80)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def json_bytes(rows: list[ResultRow], cycle: Cycle) -> bytes:
    document = {
        "cycle": {
            "label": cycle.label,
            "framework_name": cycle.framework_name,
            "indicator_name": cycle.indicator_name,
            "released_at": cycle.released_at.isoformat(),
            "columns": list(COLUMNS),
        },
        "results": [row.as_dict() for row in rows],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def export(cycle: Cycle, fmt: str) -> Export:
    """The cycle's export in ``fmt`` (csv, xlsx or json). Raises ``UnknownFormat`` and
    ``UnreleasedCycle``."""
    if fmt not in FORMATS:
        raise UnknownFormat(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    rows = released_rows(cycle)
    if fmt == "csv":
        content = csv_bytes(rows)
    elif fmt == "xlsx":
        content = xlsx_bytes(rows, cycle)
    else:
        content = json_bytes(rows, cycle)
    return Export(content, CONTENT_TYPES[fmt], filename(cycle, fmt))
