"""The scoring rules: domain scores -> total -> RAGG band (assessment/scoring.py)."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.scoring import (
    DEFAULT_BANDS,
    DOMAIN_CODES,
    Band,
    BandTableError,
    DomainScore,
    ScoreError,
    band_for_total,
    rate,
    total_score,
    validate_bands,
)

EXPECTED_DEFAULT_BAND = {
    **dict.fromkeys(range(0, 5), "red"),
    **dict.fromkeys(range(5, 10), "amber"),
    **dict.fromkeys(range(10, 14), "green"),
    **dict.fromkeys(range(14, 16), "green_star"),
}

domain_scores = st.fixed_dictionaries({code: st.integers(0, 3) for code in DOMAIN_CODES})


@pytest.mark.parametrize("total", range(16))
def test_band_for_total_matches_default_table(total):
    assert band_for_total(total).code == EXPECTED_DEFAULT_BAND[total]


@pytest.mark.parametrize(
    ("total", "below", "above"),
    [(4, "red", "amber"), (9, "amber", "green"), (13, "green", "green_star")],
)
def test_band_boundaries_change_band_at_the_next_point(total, below, above):
    assert band_for_total(total).code == below
    assert band_for_total(total + 1).code == above


def test_west_norfolk_2018_19_is_9_amber():
    rating = rate({"A": 2, "B": 2, "C": 2, "D": 1, "E": 2})
    assert (rating.total, rating.band.label) == (9, "Amber")


def test_halton_2019_20_is_13_green():
    rating = rate({"A": 3, "B": 3, "C": 3, "D": 2, "E": 2})
    assert (rating.total, rating.band.label) == (13, "Green")


def test_no_domain_floor_one_domain_at_one_can_still_be_green():
    assert rate({"A": 3, "B": 3, "C": 3, "D": 1, "E": 3}).band.code == "green"
    assert rate({"A": 1, "B": 3, "C": 2, "D": 2, "E": 2}).band.code == "green"
    assert rate({"A": 3, "B": 3, "C": 3, "D": 2, "E": 3}).band.code == "green_star"


@pytest.mark.parametrize("bad", [4, -1, "2", 2.0, True, None])
def test_total_score_refuses_a_score_outside_0_to_3(bad):
    with pytest.raises(ScoreError, match="domain score"):
        total_score({"A": bad, "B": 2, "C": 2, "D": 2, "E": 2})


def test_total_score_names_the_missing_domain():
    with pytest.raises(ScoreError, match="Domain D, E has no score"):
        total_score({"A": 2, "B": 2, "C": 2})


def test_total_score_refuses_an_unknown_domain():
    with pytest.raises(ScoreError, match="no domain F"):
        total_score({"A": 2, "B": 2, "C": 2, "D": 2, "E": 2, "F": 3})


@pytest.mark.parametrize("bad", [-1, 16, 9.5, "9", None])
def test_band_for_total_refuses_impossible_totals(bad):
    with pytest.raises(ScoreError):
        band_for_total(bad)


def test_domain_score_labels_are_the_descriptors():
    assert [score.label for score in DomainScore] == [
        "Inadequate",
        "Requires improvement",
        "Good",
        "Outstanding",
    ]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([Band("r", "Red", 0, 4), Band("a", "Amber", 6, 15)], "No band covers 5"),
        ([Band("r", "Red", 0, 5), Band("a", "Amber", 5, 15)], "overlaps the band below it at 5"),
        ([Band("r", "Red", 1, 15)], "No band covers 0"),
        ([Band("r", "Red", 0, 12)], "No band covers 13-15"),
        ([Band("r", "Red", 0, 16)], "past the highest possible score of 15"),
        ([Band("r", "Red", 0, 7), Band("r", "Amber", 8, 15)], "its own code"),
        ([Band("r", "Red", 5, 4), Band("a", "Amber", 0, 15)], "lowest score is above"),
        ([], "at least one band"),
    ],
)
def test_validate_bands_refuses_gaps_overlaps_and_overruns(bands, message):
    with pytest.raises(BandTableError, match=message):
        validate_bands(bands)


def test_validate_bands_orders_the_table():
    shuffled = [DEFAULT_BANDS[2], DEFAULT_BANDS[0], DEFAULT_BANDS[3], DEFAULT_BANDS[1]]
    assert validate_bands(shuffled) == DEFAULT_BANDS


@given(domain_scores)
def test_rating_total_is_the_sum_and_its_band_contains_it(scores):
    rating = rate(scores)
    assert rating.total == sum(scores.values())
    assert rating.band.minimum <= rating.total <= rating.band.maximum


@given(domain_scores, st.sampled_from(DOMAIN_CODES))
def test_raising_one_domain_never_lowers_the_band(scores, code):
    if scores[code] == 3:
        return
    order = [band.code for band in DEFAULT_BANDS]
    better = {**scores, code: scores[code] + 1}
    assert order.index(rate(better).band.code) >= order.index(rate(scores).band.code)


@st.composite
def band_tables(draw):
    """Any partition of 0-15 into consecutive bands."""
    cuts = sorted(draw(st.sets(st.integers(1, 15), max_size=6)))
    edges = [0, *cuts, 16]
    return [
        Band(f"b{i}", f"Band {i}", lo, hi - 1)
        for i, (lo, hi) in enumerate(itertools.pairwise(edges))
    ]


@given(band_tables(), st.integers(0, 15))
def test_every_total_falls_in_exactly_one_band_of_any_valid_table(bands, total):
    table = validate_bands(bands)
    assert sum(band.contains(total) for band in table) == 1
    assert band_for_total(total, table).contains(total)
