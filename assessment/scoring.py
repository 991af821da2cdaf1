"""The scoring rules of the Patient and Community Engagement Indicator, as pure functions.

Each of the five domains (A-E) is scored 0-3 (0 inadequate, 1 requires improvement,
2 good, 3 outstanding); the final score is their sum (0-15) and maps to a RAGG band
by the cycle's band table. The defaults (Red 0-4, Amber 5-9, Green 10-13, Green star
14-15) are those consistent with published results; only "Green star needs at least
14" is stated outright, so every cycle carries its own table. There is no per-domain
floor. No Django import here: a unit test uses this module without Django set up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

DOMAIN_CODES: tuple[str, ...] = ("A", "B", "C", "D", "E")
MAX_TOTAL = 15


class DomainScore(IntEnum):
    INADEQUATE = 0
    REQUIRES_IMPROVEMENT = 1
    GOOD = 2
    OUTSTANDING = 3

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


class ScoreError(ValueError):
    """A domain score, or a set of them, that the indicator does not allow."""


class BandTableError(ValueError):
    """A RAGG band table that does not cover 0-15 exactly once."""


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    minimum: int
    maximum: int

    def contains(self, total: int) -> bool:
        return self.minimum <= total <= self.maximum


@dataclass(frozen=True)
class Rating:
    scores: Mapping[str, int]
    total: int
    band: Band


DEFAULT_BANDS: tuple[Band, ...] = (
    Band("red", "Red", 0, 4),
    Band("amber", "Amber", 5, 9),
    Band("green", "Green", 10, 13),
    Band("green_star", "Green star", 14, 15),
)


def validate_domain_score(score: object) -> DomainScore:
    """Return the score as a ``DomainScore``; anything but a whole number 0-3 is refused."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ScoreError(f"A domain score must be a whole number from 0 to 3, not {score!r}.")
    if not 0 <= score <= 3:
        raise ScoreError(f"A domain score must be from 0 to 3, not {score}.")
    return DomainScore(score)


def total_score(scores: Mapping[str, object]) -> int:
    """Sum the five domain scores; every domain A-E must be scored, and nothing else."""
    missing = [code for code in DOMAIN_CODES if code not in scores]
    if missing:
        raise ScoreError(f"Domain {', '.join(missing)} has no score.")
    unknown = sorted(set(scores) - set(DOMAIN_CODES))
    if unknown:
        raise ScoreError(f"There is no domain {', '.join(map(str, unknown))}.")
    return sum(int(validate_domain_score(scores[code])) for code in DOMAIN_CODES)


def validate_bands(bands: Iterable[Band]) -> tuple[Band, ...]:
    """Return the bands in score order if they cover 0-15 with no gap or overlap."""
    ordered = tuple(sorted(bands, key=lambda band: band.minimum))
    if not ordered:
        raise BandTableError("A band table needs at least one band.")
    codes = [band.code for band in ordered]
    if len(set(codes)) != len(codes):
        raise BandTableError("Each band needs its own code.")
    expected_start = 0
    for band in ordered:
        if band.minimum > band.maximum:
            raise BandTableError(
                f"{band.label} runs from {band.minimum} to {band.maximum}: "
                "its lowest score is above its highest."
            )
        if band.minimum > expected_start:
            raise BandTableError(
                f"No band covers {_span(expected_start, band.minimum - 1)} "
                f"(the next band, {band.label}, starts at {band.minimum})."
            )
        if band.minimum < expected_start:
            raise BandTableError(
                f"{band.label} overlaps the band below it at "
                f"{_span(band.minimum, expected_start - 1)}."
            )
        expected_start = band.maximum + 1
    if expected_start != MAX_TOTAL + 1:
        if expected_start <= MAX_TOTAL:
            raise BandTableError(f"No band covers {_span(expected_start, MAX_TOTAL)}.")
        raise BandTableError(
            f"{ordered[-1].label} runs to {ordered[-1].maximum}, past the highest "
            f"possible score of {MAX_TOTAL}."
        )
    return ordered


def band_for_total(total: int, bands: Iterable[Band] = DEFAULT_BANDS) -> Band:
    """The band that a final score of ``total`` (0-15) falls in."""
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= MAX_TOTAL:
        raise ScoreError(f"A final score must be a whole number from 0 to {MAX_TOTAL}.")
    for band in validate_bands(bands):
        if band.contains(total):
            return band
    raise AssertionError("unreachable: a validated table covers every total")  # pragma: no cover


def rate(scores: Mapping[str, object], bands: Iterable[Band] = DEFAULT_BANDS) -> Rating:
    """Domain scores -> total -> band, the whole rule in one call."""
    total = total_score(scores)
    clean = {code: int(scores[code]) for code in DOMAIN_CODES}  # type: ignore[call-overload]
    return Rating(scores=clean, total=total, band=band_for_total(total, bands))


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"
