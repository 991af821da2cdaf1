"""Moderation triage of a CCG whose two assessments are both submitted, as pure functions.

Every such CCG is put through four rules, and each rule that fires gives a reason in words:

* ``spread``: on some domain the two assessors differ by 2 or more;
* ``bands_differ``: the assessors' totals fall in different RAGG bands;
* ``near_boundary``: an assessor's total is within one point of a band boundary (one point
  more or less would change its band);
* ``sample``: the CCG is one of a random sample (a set percentage) of the *agreed* cases, the
  cases no other rule caught. The draw is reproducible: ``random.Random(seed)`` over the
  agreed keys in sorted order, so the same cases, percentage and seed always choose the same
  sample, whatever order the cases were given in.

Agreed cases outside the sample need no moderation and can be confirmed in bulk.

``boundary_sensitivity`` says in words how close a set of scores is to another band
("10 is Green; one point less on any domain makes it Amber; it is 4 points from Green
star."). No Django import here: a unit test uses this module without Django set up.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from assessment.scoring import DOMAIN_CODES, MAX_TOTAL, Band, total_score, validate_bands

SPREAD = "spread"
BANDS_DIFFER = "bands_differ"
NEAR_BOUNDARY = "near_boundary"
SAMPLE = "sample"

#: A domain where the assessors' scores differ by at least this much needs moderation.
SPREAD_THRESHOLD = 2

ASSESSOR_NAMES = ("first assessor", "second assessor")


@dataclass(frozen=True)
class TriageReason:
    code: str
    text: str


@dataclass(frozen=True)
class TriageResult:
    key: object
    reasons: tuple[TriageReason, ...]

    @property
    def needs_moderation(self) -> bool:
        return bool(self.reasons)

    @property
    def sampled(self) -> bool:
        return any(reason.code == SAMPLE for reason in self.reasons)


def triage_case(
    scores_a: Mapping[str, int], scores_b: Mapping[str, int], bands: Iterable[Band]
) -> tuple[TriageReason, ...]:
    """The rule-based reasons (all but the sample) to moderate one pair of assessments.

    Reasons come in rule order: each domain with a spread (A to E), different bands, then
    each assessor's total near a boundary. An empty tuple means the assessors agree.
    """
    table = validate_bands(bands)
    total_a, total_b = total_score(scores_a), total_score(scores_b)
    reasons: list[TriageReason] = []
    for code in DOMAIN_CODES:
        a, b = int(scores_a[code]), int(scores_b[code])  # type: ignore[call-overload]
        if abs(a - b) >= SPREAD_THRESHOLD:
            reasons.append(
                TriageReason(
                    SPREAD, f"Domain {code}: the assessors differ by {abs(a - b)} ({a} and {b})"
                )
            )
    band_a, band_b = _band(total_a, table), _band(total_b, table)
    if band_a != band_b:
        reasons.append(
            TriageReason(
                BANDS_DIFFER,
                f"The assessors' totals are in different bands "
                f"({total_a} {band_a.label}, {total_b} {band_b.label})",
            )
        )
    if total_a == total_b:
        boundaries = _near_boundaries(total_a, table)
        if boundaries:
            reasons.append(
                TriageReason(
                    NEAR_BOUNDARY,
                    f"Both assessors' totals are {total_a}, within one point of {boundaries}",
                )
            )
    else:
        for name, total in zip(ASSESSOR_NAMES, (total_a, total_b), strict=True):
            boundaries = _near_boundaries(total, table)
            if boundaries:
                reasons.append(
                    TriageReason(
                        NEAR_BOUNDARY,
                        f"The {name}'s total of {total} is within one point of {boundaries}",
                    )
                )
    return tuple(reasons)


def triage(
    cases: Mapping[object, tuple[Mapping[str, int], Mapping[str, int]]],
    bands: Iterable[Band],
    *,
    sample_percent: float | int | Decimal | Fraction,
    seed: int,
) -> list[TriageResult]:
    """Triage every case: one result per case, in sorted key order.

    ``cases`` maps a sortable key (a CCG code, a submission id) to the two assessors' domain
    scores. Cases with no rule reason are *agreed*; ``sample_percent`` of them (rounded half
    up, and at least one when the percentage is above 0 and any case is agreed) are drawn
    with ``random.Random(seed)`` from the agreed keys in sorted order and get the reason
    ``sample``. Record the seed with the triage so the draw can be repeated.
    """
    percent = _percent(sample_percent)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"The seed of the sample draw must be a whole number, not {seed!r}.")
    table = validate_bands(bands)
    keys = sorted(cases)  # type: ignore[type-var]
    rule_reasons = {key: triage_case(*cases[key], table) for key in keys}
    agreed = [key for key in keys if not rule_reasons[key]]
    size = sample_size(len(agreed), percent)
    # Not for security: a reproducible draw that a moderator can repeat from the seed.
    chosen = set(random.Random(seed).sample(agreed, size))  # noqa: S311
    sample_reason = TriageReason(
        SAMPLE,
        f"Chosen in the random sample of agreed cases ({_format_percent(percent)}%, draw {seed})",
    )
    return [
        TriageResult(key, (sample_reason,) if key in chosen else rule_reasons[key]) for key in keys
    ]


def sample_size(agreed: int, percent: float | int | Decimal | Fraction) -> int:
    """How many of ``agreed`` cases the sample takes: ``percent`` of them, rounded half up,
    at least one if the percentage is above 0 and there is an agreed case, at most all."""
    share = _percent(percent)
    if agreed <= 0 or share == 0:
        return 0
    size = math.floor(agreed * share / 100 + Fraction(1, 2))
    return min(agreed, max(1, size))


def boundary_sensitivity(scores: Mapping[str, int], bands: Iterable[Band]) -> str:
    """How near a set of domain scores is to another band, in one plain English sentence.

    "10 is Green; one point less on any domain makes it Amber; it is 4 points from Green
    star." A change of one point that would move the band comes first; otherwise the
    distance in points to the band below and above. Where only some domains can move (a
    domain at 0 cannot score less, one at 3 cannot score more) they are named; at 0 and 15
    no domain can move that way at all, and the sentence says so.
    """
    table = validate_bands(bands)
    total = total_score(scores)
    clean = {code: int(scores[code]) for code in DOMAIN_CODES}  # type: ignore[call-overload]
    band = _band(total, table)
    index = table.index(band)
    lower = table[index - 1] if index > 0 else None
    upper = table[index + 1] if index + 1 < len(table) else None

    sensitive: list[str] = []
    distances: list[str] = []
    limits: list[str] = []
    if total == 0:
        limits.append("no domain can score lower")
    elif lower is not None:
        if total - 1 < band.minimum:
            where = _domains([code for code, score in clean.items() if score > 0])
            sensitive.append(f"one point less on {where} makes it {lower.label}")
        else:
            distances.append(_points(total - lower.maximum, lower.label))
    if total == MAX_TOTAL:
        limits.append("no domain can score higher")
    elif upper is not None:
        if total + 1 > band.maximum:
            where = _domains([code for code, score in clean.items() if score < 3])
            sensitive.append(f"one point more on {where} makes it {upper.label}")
        else:
            distances.append(_points(upper.minimum - total, upper.label))
    clauses = [*limits, *sensitive]
    if distances:
        clauses.append("it is " + " and ".join(distances))
    return f"{total} is {band.label}" + "".join(f"; {clause}" for clause in clauses) + "."


# --------------------------------------------------------------------------- helpers


def _band(total: int, table: tuple[Band, ...]) -> Band:
    for band in table:
        if band.contains(total):
            return band
    raise AssertionError("unreachable: a validated table covers every total")  # pragma: no cover


def _near_boundaries(total: int, table: tuple[Band, ...]) -> str:
    """'the Amber/Green boundary' (or two of them) if one point changes the band, else ''."""
    band = _band(total, table)
    index = table.index(band)
    names = []
    if index > 0 and total - 1 < band.minimum:
        names.append(f"{table[index - 1].label}/{band.label}")
    if index + 1 < len(table) and total + 1 > band.maximum:
        names.append(f"{band.label}/{table[index + 1].label}")
    if not names:
        return ""
    if len(names) == 1:
        return f"the {names[0]} boundary"
    return f"the {names[0]} and {names[1]} boundaries"


def _domains(codes: list[str]) -> str:
    if len(codes) == len(DOMAIN_CODES):
        return "any domain"
    if len(codes) == 1:
        return f"domain {codes[0]}"
    return f"domain {', '.join(codes[:-1])} or {codes[-1]}"


def _points(count: int, label: str) -> str:
    return f"{count} point{'' if count == 1 else 's'} from {label}"


def _percent(value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise TypeError(f"The sample percentage must be a number, not {value!r}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"The sample percentage must be from 0 to 100, not {value}.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"The sample percentage must be from 0 to 100, not {value}.")
    share = Fraction(value)
    if not 0 <= share <= 100:
        raise ValueError(f"The sample percentage must be from 0 to 100, not {value}.")
    return share


def _format_percent(share: Fraction) -> str:
    if share.denominator == 1:
        return str(share.numerator)
    return f"{float(share):g}"
