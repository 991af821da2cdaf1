"""Agreement statistics of a cycle's assessments, as pure functions.

Per domain: quadratic-weighted Cohen's kappa between the two assessors of each CCG, and
the share of exact and adjacent (within one point) agreement. Per assessor: the mean
deviation of their domain scores from the moderated (agreed) scores, negative for a
severe assessor and positive for a lenient one, and how often their scores were changed
by moderation.

Quadratic-weighted kappa (Cohen 1968; Fleiss and Cohen 1973) with categories indexed
i, j = 0..k-1 and disagreement weights (i - j)^2 is

    kappa = 1 - sum_ij (i - j)^2 * observed_ij / sum_ij (i - j)^2 * expected_ij

where observed_ij is the share of pairs rated (i, j) and expected_ij = row_i * col_j, the
share expected by chance from each rater's own marginal distribution. (The usual scaling
of the weights by (k - 1)^2 cancels.) It is computed exactly with integers and fractions,
so symmetric inputs give identical results and independent marginals give exactly 0.
No Django import here: a unit test uses this module without Django set up.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from assessment.scoring import DOMAIN_CODES, total_score

SCORE_CATEGORIES: tuple[int, ...] = (0, 1, 2, 3)


@dataclass(frozen=True)
class Agreement:
    """``exact`` and ``adjacent`` are fractions 0-1 (None when there are no pairs);
    adjacent agreement (|a - b| <= 1) includes exact agreement."""

    n: int
    exact: float | None
    adjacent: float | None


@dataclass(frozen=True)
class DomainAgreement:
    domain: str
    n: int
    kappa: float | None
    exact: float | None
    adjacent: float | None


@dataclass(frozen=True)
class AssessorDeviation:
    """One assessor's scores against the moderated scores of the same CCGs.

    ``mean_deviation`` is (assessor's score - moderated score) averaged over every domain
    score of every case: below 0 the assessor is severe, above 0 lenient. ``moderated_share``
    is the fraction of their cases where moderation changed any of their domain scores.
    """

    assessor: Hashable
    cases: int
    mean_deviation: float
    moderated_cases: int
    moderated_share: float


def quadratic_weighted_kappa(
    pairs: Sequence[tuple[int, int]], categories: Sequence[int] = SCORE_CATEGORIES
) -> float | None:
    """Cohen's kappa with quadratic weights for two raters' ``(a, b)`` ratings.

    ``categories`` are the ordered, equally spaced rating values. Returns None when kappa
    is undefined: no pairs, or no disagreement expected by chance (both raters gave every
    case the same single rating). Raises ValueError for a rating outside the categories.
    """
    cats = tuple(categories)
    if len(cats) < 2 or len(set(cats)) != len(cats):
        raise ValueError("Kappa needs at least two distinct rating categories.")
    index = {category: i for i, category in enumerate(cats)}
    k = len(cats)
    rows = [0] * k
    cols = [0] * k
    observed = 0  # sum of (i - j)^2 over the pairs
    n = 0
    for a, b in pairs:
        i, j = _category_index(a, index, cats), _category_index(b, index, cats)
        rows[i] += 1
        cols[j] += 1
        observed += (i - j) ** 2
        n += 1
    if n == 0:
        return None
    # n^2 times the expected weighted disagreement.
    expected = sum(rows[i] * cols[j] * (i - j) ** 2 for i in range(k) for j in range(k))
    if expected == 0:
        return None
    return float(1 - Fraction(n * observed, expected))


def agreement(pairs: Sequence[tuple[int, int]]) -> Agreement:
    """How often two raters gave the same rating (exact) or within one point (adjacent)."""
    n = exact = adjacent = 0
    for a, b in pairs:
        n += 1
        exact += a == b
        adjacent += abs(a - b) <= 1
    if n == 0:
        return Agreement(0, None, None)
    return Agreement(n, exact / n, adjacent / n)


def domain_agreement(
    cases: Sequence[tuple[Mapping[str, int], Mapping[str, int]]],
) -> dict[str, DomainAgreement]:
    """Per domain (A-E, in order), kappa and agreement between the two assessors of each case.

    Each case is the two assessors' scores for one CCG; every score set must be complete
    and valid (``scoring.total_score`` raises ``ScoreError`` otherwise).
    """
    for scores_a, scores_b in cases:
        total_score(scores_a)
        total_score(scores_b)
    result = {}
    for code in DOMAIN_CODES:
        pairs = [(int(a[code]), int(b[code])) for a, b in cases]
        shares = agreement(pairs)
        result[code] = DomainAgreement(
            domain=code,
            n=shares.n,
            kappa=quadratic_weighted_kappa(pairs),
            exact=shares.exact,
            adjacent=shares.adjacent,
        )
    return result


def assessor_deviation(
    records: Sequence[tuple[Hashable, Mapping[str, int], Mapping[str, int]]],
) -> list[AssessorDeviation]:
    """Severity or leniency of each assessor, from ``(assessor, their scores, moderated
    scores)`` records; one result per assessor, in order of first appearance."""
    totals: dict[Hashable, list[int]] = {}  # assessor -> [cases, sum of deviations, moderated]
    for assessor, own, moderated in records:
        total_score(own)
        total_score(moderated)
        deviations = [int(own[code]) - int(moderated[code]) for code in DOMAIN_CODES]
        entry = totals.setdefault(assessor, [0, 0, 0])
        entry[0] += 1
        entry[1] += sum(deviations)
        entry[2] += any(deviations)
    return [
        AssessorDeviation(
            assessor=assessor,
            cases=cases,
            mean_deviation=float(Fraction(deviation_sum, cases * len(DOMAIN_CODES))),
            moderated_cases=moderated,
            moderated_share=moderated / cases,
        )
        for assessor, (cases, deviation_sum, moderated) in totals.items()
    ]


def _category_index(value: object, index: Mapping[object, int], cats: tuple[int, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in index:
        allowed = ", ".join(map(str, cats))
        raise ValueError(f"A rating of {value!r} is not one of the categories {allowed}.")
    return index[value]
