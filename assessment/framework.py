"""Reading and checking a cycle's framework file (TOML), as pure Python.

One file defines a cycle: its label, framework name, guidance section, period,
submission dates, RAGG bands and the criteria of each domain. This module turns
the file into frozen dataclasses and lists every problem it finds, so that
``load_cycle`` can refuse a broken file whole and say what is wrong with it.
The format is described in ``assessment/frameworks/README.md``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assessment.scoring import DOMAIN_CODES, Band, BandTableError, validate_bands

FORMAT_VERSION = 1
LABEL_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")
CRITERION_CODE_PATTERN = re.compile(r"^[A-E][0-9]{1,2}$")


class FrameworkFileError(ValueError):
    """A framework file that cannot be loaded; ``problems`` lists every reason."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    title: str
    description: str
    evidence_examples: tuple[str, ...]


@dataclass(frozen=True)
class DomainSpec:
    code: str
    name: str
    summary: str
    criteria: tuple[CriterionSpec, ...]


@dataclass(frozen=True)
class CycleSpec:
    label: str
    framework_name: str
    indicator_name: str
    guidance_section: str
    guidance_title: str
    framework_version: str
    register_year: int
    period_start: date
    period_end: date
    submission_opens: date
    submission_deadline: date
    review_window_days: int
    bands: tuple[Band, ...]
    domains: tuple[DomainSpec, ...]
    source_sha256: str

    @property
    def slug(self) -> str:
        return self.label.replace("/", "-")


def read_framework_file(path: str | Path) -> CycleSpec:
    """Parse and check the file at ``path``; raise ``FrameworkFileError`` listing all problems."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FrameworkFileError(str(path), [f"cannot be read ({exc.strerror})"]) from exc
    return parse_framework(raw, source=str(path))


def parse_framework(raw: bytes, *, source: str = "framework file") -> CycleSpec:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FrameworkFileError(source, ["is not UTF-8 text"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkFileError(source, [f"is not valid TOML ({exc})"]) from exc

    reader = _Reader(data)
    if reader.integer("format") not in (None, FORMAT_VERSION) and not reader.problems:
        reader.problems.append(f"format must be {FORMAT_VERSION}")
    label = reader.text("label")
    if label and not _label_is_valid(label):
        reader.problems.append(f"label {label!r} must look like 2019/20 (consecutive years)")
    spec_fields = {
        "label": label,
        "framework_name": reader.text("framework_name"),
        "indicator_name": reader.text("indicator_name"),
        "guidance_section": reader.text("guidance_section"),
        "guidance_title": reader.text("guidance_title"),
        "framework_version": reader.text("framework_version"),
        "register_year": reader.integer("register_year", minimum=2013, maximum=2100),
        "period_start": reader.date("period_start"),
        "period_end": reader.date("period_end"),
        "submission_opens": reader.date("submission_opens"),
        "submission_deadline": reader.date("submission_deadline"),
        "review_window_days": reader.integer("review_window_days", minimum=0, maximum=365),
    }
    _check_order(reader, spec_fields, "period_start", "period_end", strict=True)
    _check_order(reader, spec_fields, "submission_opens", "submission_deadline", strict=False)
    bands = _read_bands(reader, data.get("bands"))
    domains = _read_domains(reader, data.get("domains"))
    if reader.problems:
        raise FrameworkFileError(source, reader.problems)
    return CycleSpec(
        **spec_fields,
        bands=bands,
        domains=domains,
        source_sha256=hashlib.sha256(raw).hexdigest(),
    )


class _Reader:
    """Reads typed values from a table, collecting problems instead of stopping at the first."""

    def __init__(self, table: dict, where: str = ""):
        self.table = table
        self.where = where
        self.problems: list[str] = []

    def _get(self, key: str, kind: type | tuple[type, ...], kind_name: str):
        name = f"{self.where}{key}"
        if key not in self.table:
            self.problems.append(f"{name} is missing")
            return None
        value = self.table[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            self.problems.append(f"{name} must be {kind_name}, not {value!r}")
            return None
        return value

    def text(self, key: str) -> str:
        value = self._get(key, str, "text")
        if value is not None and not value.strip():
            self.problems.append(f"{self.where}{key} is empty")
        return (value or "").strip()

    def integer(self, key: str, *, minimum: int | None = None, maximum: int | None = None):
        value = self._get(key, int, "a whole number")
        if value is None:
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.problems.append(f"{self.where}{key} must be from {minimum} to {maximum}")
        return value

    def date(self, key: str):
        value = self._get(key, date, "a date like 2020-07-31")
        # tomllib gives datetime (a date subclass) for a value with a time: refuse it.
        if value is not None and type(value) is not date:
            self.problems.append(f"{self.where}{key} must be a date without a time")
        return value


def _label_is_valid(label: str) -> bool:
    match = LABEL_PATTERN.match(label)
    return bool(match) and (int(match[1]) + 1) % 100 == int(match[2])


def _check_order(reader: _Reader, fields: dict, first: str, second: str, *, strict: bool) -> None:
    a, b = fields[first], fields[second]
    if a is None or b is None:
        return
    if a > b or (strict and a == b):
        reader.problems.append(f"{first} ({a}) must come before {second} ({b})")


def _read_bands(reader: _Reader, raw_bands) -> tuple[Band, ...]:
    if not isinstance(raw_bands, list) or not raw_bands:
        reader.problems.append("bands is missing: the file needs [[bands]] tables")
        return ()
    bands = []
    for index, raw in enumerate(raw_bands, start=1):
        band_reader = _Reader(raw, where=f"band {index}: ")
        band = Band(
            code=band_reader.text("code"),
            label=band_reader.text("label"),
            minimum=band_reader.integer("minimum"),
            maximum=band_reader.integer("maximum"),
        )
        reader.problems.extend(band_reader.problems)
        if not band_reader.problems:
            bands.append(band)
    if len(bands) != len(raw_bands):
        return ()
    try:
        return validate_bands(bands)
    except BandTableError as exc:
        reader.problems.append(f"bands: {exc}")
        return ()


def _read_domains(reader: _Reader, raw_domains) -> tuple[DomainSpec, ...]:
    if not isinstance(raw_domains, list):
        reader.problems.append("domains is missing: the file needs [[domains]] tables")
        return ()
    domains = []
    seen_criteria: set[str] = set()
    for index, raw in enumerate(raw_domains, start=1):
        domain_reader = _Reader(raw, where=f"domain {index}: ")
        code = domain_reader.text("code")
        criteria = []
        raw_criteria = raw.get("criteria")
        if not isinstance(raw_criteria, list) or not raw_criteria:
            domain_reader.problems.append(f"domain {code or index} has no criteria")
            raw_criteria = []
        for position, raw_criterion in enumerate(raw_criteria, start=1):
            criterion_reader = _Reader(
                raw_criterion, where=f"domain {code or index}, criterion {position}: "
            )
            criterion_code = criterion_reader.text("code")
            examples = raw_criterion.get("evidence_examples", [])
            if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
                criterion_reader.problems.append(
                    f"domain {code}, criterion {position}: evidence_examples must be a list of text"
                )
                examples = []
            if criterion_code:
                if not CRITERION_CODE_PATTERN.match(criterion_code) or not (
                    criterion_code.startswith(code)
                ):
                    criterion_reader.problems.append(
                        f"criterion code {criterion_code!r} must be the domain letter and a "
                        f"number, like {code or 'A'}1"
                    )
                if criterion_code in seen_criteria:
                    criterion_reader.problems.append(
                        f"criterion code {criterion_code} is used twice"
                    )
                seen_criteria.add(criterion_code)
            criteria.append(
                CriterionSpec(
                    code=criterion_code,
                    title=criterion_reader.text("title"),
                    description=criterion_reader.text("description"),
                    evidence_examples=tuple(e.strip() for e in examples if e.strip()),
                )
            )
            domain_reader.problems.extend(criterion_reader.problems)
        domains.append(
            DomainSpec(
                code=code,
                name=domain_reader.text("name"),
                summary=domain_reader.text("summary"),
                criteria=tuple(criteria),
            )
        )
        reader.problems.extend(domain_reader.problems)
    codes = [domain.code for domain in domains]
    if codes != list(DOMAIN_CODES):
        reader.problems.append(
            f"domains must be exactly {', '.join(DOMAIN_CODES)} in that order, "
            f"not {', '.join(codes) or 'none'}"
        )
    return tuple(domains)
