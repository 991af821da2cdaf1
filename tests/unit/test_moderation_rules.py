"""Moderation triage (assessment/triage.py) and agreement statistics (assessment/statistics.py).

Every expected value here is worked out by hand in the test or its comment, never by
calling another statistics library.
"""

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.scoring import DEFAULT_BANDS, DOMAIN_CODES, Band, ScoreError, band_for_total
from assessment.statistics import (
    Agreement,
    agreement,
    assessor_deviation,
    domain_agreement,
    quadratic_weighted_kappa,
)
from assessment.triage import (
    TriageReason,
    TriageResult,
    boundary_sensitivity,
    sample_size,
    triage,
    triage_case,
)

domain_scores = st.fixed_dictionaries({code: st.integers(0, 3) for code in DOMAIN_CODES})
rating_pairs = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=40)


def s(a, b, c, d, e):
    """Domain scores A-E."""
    return dict(zip(DOMAIN_CODES, (a, b, c, d, e), strict=True))


def codes(reasons):
    return [reason.code for reason in reasons]


def texts(reasons):
    return [reason.text for reason in reasons]


# =========================================================================== triage rules

# ----------------------------------------------------------------------- spread of 2 or more


def test_a_domain_two_apart_is_a_spread_and_says_both_scores():
    # Totals 9 and 11 also differ in band and 9 is next to the Amber/Green boundary.
    reasons = triage_case(s(2, 2, 2, 1, 2), s(2, 2, 2, 3, 2), DEFAULT_BANDS)
    assert reasons[0] == TriageReason("spread", "Domain D: the assessors differ by 2 (1 and 3)")


def test_the_spread_text_keeps_the_assessors_order():
    # 7 and 7, Amber; B, C and D differ by one only.
    reasons = triage_case(s(3, 1, 1, 1, 1), s(0, 2, 2, 2, 1), DEFAULT_BANDS)
    assert reasons == (TriageReason("spread", "Domain A: the assessors differ by 3 (3 and 0)"),)


def test_each_spread_domain_is_its_own_reason_in_domain_order():
    # 0+3+1+2+1 = 7 and 2+1+1+2+1 = 7: both Amber, three points from either boundary.
    reasons = triage_case(s(0, 3, 1, 2, 1), s(2, 1, 1, 2, 1), DEFAULT_BANDS)
    assert texts(reasons) == [
        "Domain A: the assessors differ by 2 (0 and 2)",
        "Domain B: the assessors differ by 2 (3 and 1)",
    ]


def test_a_difference_of_one_on_every_domain_is_not_a_spread():
    # 2+2+1+1+1 = 7 and 1+1+2+2+2 = 8: both Amber and away from its edges (5 and 9).
    assert triage_case(s(2, 2, 1, 1, 1), s(1, 1, 2, 2, 2), DEFAULT_BANDS) == ()


# ----------------------------------------------------------------------- totals in two bands


def test_totals_in_different_bands_name_both_totals_and_bands():
    # 8 Amber and 11 Green: no domain two apart, neither total next to a boundary.
    reasons = triage_case(s(2, 2, 2, 1, 1), s(2, 2, 3, 2, 2), DEFAULT_BANDS)
    assert reasons == (
        TriageReason(
            "bands_differ", "The assessors' totals are in different bands (8 Amber, 11 Green)"
        ),
    )


def test_totals_in_the_same_band_are_not_a_band_difference():
    # 6 and 8: both Amber.
    assert "bands_differ" not in codes(
        triage_case(s(2, 1, 1, 1, 1), s(2, 2, 2, 1, 1), DEFAULT_BANDS)
    )


# ----------------------------------------------------------------------- near a boundary


def test_a_total_one_above_a_boundary_is_near_it_and_says_which_assessor():
    # 10 (Green, one above Amber's 9) and 12 (Green, two from each side).
    reasons = triage_case(s(2, 2, 2, 2, 2), s(3, 3, 2, 2, 2), DEFAULT_BANDS)
    assert reasons == (
        TriageReason(
            "near_boundary",
            "The first assessor's total of 10 is within one point of the Amber/Green boundary",
        ),
    )


def test_a_total_one_below_a_boundary_is_near_it_second_assessor():
    # 12 and 13 (Green, one below Green star's 14).
    reasons = triage_case(s(3, 3, 2, 2, 2), s(3, 3, 3, 2, 2), DEFAULT_BANDS)
    assert texts(reasons) == [
        "The second assessor's total of 13 is within one point of the Green/Green star boundary"
    ]


def test_both_assessors_near_different_boundaries_give_two_reasons():
    # 5 (Amber, one above Red) and 9 (Amber, one below Green): same band, no spread.
    reasons = triage_case(s(1, 1, 1, 1, 1), s(2, 2, 2, 2, 1), DEFAULT_BANDS)
    assert texts(reasons) == [
        "The first assessor's total of 5 is within one point of the Red/Amber boundary",
        "The second assessor's total of 9 is within one point of the Amber/Green boundary",
    ]


def test_equal_totals_near_a_boundary_give_one_reason():
    reasons = triage_case(s(2, 2, 2, 2, 2), s(2, 2, 2, 2, 2), DEFAULT_BANDS)
    assert reasons == (
        TriageReason(
            "near_boundary",
            "Both assessors' totals are 10, within one point of the Amber/Green boundary",
        ),
    )


NEAR_A_DEFAULT_BOUNDARY = {4: "Red/Amber", 5: "Red/Amber", 9: "Amber/Green", 10: "Amber/Green"}
NEAR_A_DEFAULT_BOUNDARY |= {13: "Green/Green star", 14: "Green/Green star"}


def scores_totalling(total):
    """Some domain scores A-E adding up to ``total`` (fill A first, 3 at a time)."""
    return s(*(min(3, max(0, total - 3 * i)) for i in range(5)))


@pytest.mark.parametrize("total", range(16))
def test_near_boundary_fires_exactly_one_point_either_side_of_each_default_boundary(total):
    scores = scores_totalling(total)
    reasons = triage_case(scores, scores, DEFAULT_BANDS)
    if total in NEAR_A_DEFAULT_BOUNDARY:
        boundary = NEAR_A_DEFAULT_BOUNDARY[total]
        assert texts(reasons) == [
            f"Both assessors' totals are {total}, within one point of the {boundary} boundary"
        ]
    else:
        assert reasons == ()


def test_a_one_point_band_has_a_boundary_on_each_side():
    bands = [Band("r", "Red", 0, 4), Band("a", "Amber", 5, 5), Band("g", "Green", 6, 15)]
    reasons = triage_case(scores_totalling(5), scores_totalling(5), bands)
    assert texts(reasons) == [
        "Both assessors' totals are 5, within one point of the Red/Amber and Amber/Green boundaries"
    ]


def test_rules_combine_in_rule_order():
    # 0+2+2+2+3 = 9 Amber and 2+2+2+2+3 = 11 Green.
    reasons = triage_case(s(0, 2, 2, 2, 3), s(2, 2, 2, 2, 3), DEFAULT_BANDS)
    assert codes(reasons) == ["spread", "bands_differ", "near_boundary"]


@pytest.mark.parametrize(
    "bad", [s(4, 2, 2, 2, 2), {"A": 2, "B": 2, "C": 2, "D": 2}, s(2, 2, 2, 2, "2")]
)
def test_triage_case_refuses_invalid_scores(bad):
    with pytest.raises(ScoreError):
        triage_case(bad, s(2, 2, 2, 2, 2), DEFAULT_BANDS)
    with pytest.raises(ScoreError):
        triage_case(s(2, 2, 2, 2, 2), bad, DEFAULT_BANDS)


# ----------------------------------------------------------------------- the random sample

AGREED = s(2, 2, 1, 1, 1)  # 7, Amber, three points from either edge: no rule fires
FLAGGED = s(3, 3, 3, 3, 3)  # against AGREED: spreads and different bands


def cohort(agreed, flagged=0):
    cases = {f"AGR{i:03}": (AGREED, AGREED) for i in range(agreed)}
    cases |= {f"FLG{i:03}": (AGREED, FLAGGED) for i in range(flagged)}
    return cases


def sampled_keys(results):
    return [result.key for result in results if "sample" in codes(result.reasons)]


def test_one_result_per_case_in_key_order():
    cases = {"03W": (AGREED, AGREED), "01A": (AGREED, FLAGGED), "02B": (AGREED, AGREED)}
    results = triage(cases, DEFAULT_BANDS, sample_percent=0, seed=1)
    assert [result.key for result in results] == ["01A", "02B", "03W"]
    assert [result.needs_moderation for result in results] == [True, False, False]


def test_the_sample_is_drawn_from_the_sorted_agreed_keys_with_the_seed():
    cases = cohort(20, flagged=5)
    results = triage(cases, DEFAULT_BANDS, sample_percent=10, seed=1234)
    # 10% of 20 agreed cases = 2, drawn as random.Random(seed).sample(sorted agreed keys, 2).
    agreed = sorted(key for key in cases if key.startswith("AGR"))
    expected = random.Random(1234).sample(agreed, 2)  # noqa: S311  (the documented draw)
    assert sorted(sampled_keys(results)) == sorted(expected)


def test_a_sampled_case_says_why_with_percent_and_draw():
    results = triage(cohort(10), DEFAULT_BANDS, sample_percent=10, seed=1234)
    (chosen,) = [result for result in results if result.needs_moderation]
    assert chosen.reasons == (
        TriageReason("sample", "Chosen in the random sample of agreed cases (10%, draw 1234)"),
    )
    assert chosen.sampled


def test_the_sample_is_reproducible_whatever_the_order_of_the_cases():
    cases = cohort(50, flagged=7)
    backwards = dict(reversed(list(cases.items())))
    first = triage(cases, DEFAULT_BANDS, sample_percent=20, seed=99)
    again = triage(backwards, DEFAULT_BANDS, sample_percent=20, seed=99)
    assert first == again
    assert len(sampled_keys(first)) == 10


def test_the_sample_changes_with_the_seed():
    cases = cohort(50)
    samples = {
        tuple(sampled_keys(triage(cases, DEFAULT_BANDS, sample_percent=10, seed=seed)))
        for seed in range(5)
    }
    # 5 seeds, 5 samples of 5 out of 50 (2,118,760 possible): all different.
    assert len(samples) == 5


def test_cases_flagged_by_a_rule_keep_their_reasons_and_are_never_sampled():
    cases = cohort(3, flagged=4)
    results = triage(cases, DEFAULT_BANDS, sample_percent=100, seed=7)
    for result in results:
        if result.key.startswith("FLG"):
            assert result.reasons == triage_case(AGREED, FLAGGED, DEFAULT_BANDS)
            assert not result.sampled
        else:
            assert codes(result.reasons) == ["sample"]


def test_agreed_cases_outside_the_sample_need_no_moderation():
    results = triage(cohort(10, flagged=2), DEFAULT_BANDS, sample_percent=30, seed=5)
    confirmable = [result for result in results if not result.needs_moderation]
    assert len(confirmable) == 10 - 3
    assert all(result.key.startswith("AGR") and result.reasons == () for result in confirmable)


@pytest.mark.parametrize(
    ("percent", "agreed", "size"),
    [
        (10, 40, 4),
        (10, 45, 5),  # 4.5 rounds half up
        (25, 10, 3),  # 2.5 rounds half up
        (10, 44, 4),  # 4.4 rounds down
        (1, 10, 1),  # 0.1 rounds to 0, but a percentage above 0 takes at least one
        (0, 40, 0),
        (100, 7, 7),
        (12.5, 8, 1),
        (Decimal("12.50"), 24, 3),
        (50, 0, 0),
    ],
)
def test_the_sample_size_follows_the_percentage(percent, agreed, size):
    assert sample_size(agreed, percent) == size
    results = triage(cohort(agreed, flagged=3), DEFAULT_BANDS, sample_percent=percent, seed=3)
    assert len(sampled_keys(results)) == size


def test_a_decimal_percentage_is_written_plainly():
    results = triage(cohort(8), DEFAULT_BANDS, sample_percent=Decimal("12.50"), seed=42)
    (chosen,) = [result for result in results if result.sampled]
    assert chosen.reasons[0].text == (
        "Chosen in the random sample of agreed cases (12.5%, draw 42)"
    )


@pytest.mark.parametrize("percent", [-1, 100.5, float("nan"), Decimal("Infinity")])
def test_a_percentage_outside_0_to_100_is_refused(percent):
    with pytest.raises(ValueError, match="from 0 to 100"):
        triage(cohort(3), DEFAULT_BANDS, sample_percent=percent, seed=1)


@pytest.mark.parametrize(
    ("percent", "seed"), [("10", 1), (True, 1), (None, 1), (10, "1"), (10, 1.0), (10, None)]
)
def test_a_percentage_or_seed_that_is_not_a_number_is_refused(percent, seed):
    with pytest.raises(TypeError):
        triage(cohort(3), DEFAULT_BANDS, sample_percent=percent, seed=seed)


def test_no_cases_no_results():
    assert triage({}, DEFAULT_BANDS, sample_percent=10, seed=1) == []


@given(
    st.integers(0, 30),
    st.integers(0, 5),
    st.sampled_from([0, 1, 5, 10, 12.5, 33, 50, 99, 100]),
    st.integers(0, 2**32),
)
def test_the_sample_is_agreed_cases_only_and_its_size_is_sample_size(
    agreed, flagged, percent, seed
):
    results = triage(cohort(agreed, flagged), DEFAULT_BANDS, sample_percent=percent, seed=seed)
    chosen = sampled_keys(results)
    assert all(key.startswith("AGR") for key in chosen)
    assert len(chosen) == sample_size(agreed, percent)
    assert sum(result.needs_moderation for result in results) == flagged + len(chosen)


def test_triage_result_needs_moderation_is_any_reason():
    assert not TriageResult("x", ()).needs_moderation
    assert TriageResult("x", (TriageReason("spread", "…"),)).needs_moderation


# =========================================================================== boundary sensitivity


@pytest.mark.parametrize(
    ("scores", "sentence"),
    [
        # 0: every domain is 0.
        (s(0, 0, 0, 0, 0), "0 is Red; no domain can score lower; it is 5 points from Amber."),
        # Red/Amber: 4 and 5.
        (s(1, 1, 1, 1, 0), "4 is Red; one point more on any domain makes it Amber."),
        (s(1, 1, 1, 1, 1), "5 is Amber; one point less on any domain makes it Red; "
                           "it is 5 points from Green."),
        # Amber/Green: 9 and 10.
        (s(2, 2, 2, 2, 1), "9 is Amber; one point more on any domain makes it Green; "
                           "it is 5 points from Red."),
        (s(2, 2, 2, 2, 2), "10 is Green; one point less on any domain makes it Amber; "
                           "it is 4 points from Green star."),
        # Green/Green star: 13 and 14 (13 needs three domains at 3, so they cannot gain).
        (s(3, 3, 3, 2, 2), "13 is Green; one point more on domain D or E makes it Green star; "
                           "it is 4 points from Amber."),
        (s(3, 3, 3, 3, 2), "14 is Green star; one point less on any domain makes it Green."),
        # 15: every domain is 3.
        (s(3, 3, 3, 3, 3), "15 is Green star; no domain can score higher; "
                           "it is 2 points from Green."),
    ],
)  # fmt: skip
def test_boundary_sensitivity_at_each_default_boundary_and_the_ends(scores, sentence):
    assert boundary_sensitivity(scores, DEFAULT_BANDS) == sentence


@pytest.mark.parametrize(
    ("scores", "sentence"),
    [
        (s(3, 3, 3, 3, 0), "12 is Green; it is 3 points from Amber and 2 points from Green star."),
        (s(2, 2, 2, 1, 0), "7 is Amber; it is 3 points from Red and 3 points from Green."),
        (s(2, 0, 0, 0, 0), "2 is Red; it is 3 points from Amber."),
    ],
)
def test_away_from_a_boundary_it_gives_the_distance_to_the_neighbouring_bands(scores, sentence):
    assert boundary_sensitivity(scores, DEFAULT_BANDS) == sentence


@pytest.mark.parametrize(
    ("scores", "sentence"),
    [
        # 10 with E at 0: only A-D can lose a point.
        (s(3, 3, 3, 1, 0), "10 is Green; one point less on domain A, B, C or D makes it Amber; "
                           "it is 4 points from Green star."),
        # 10 with B at 0.
        (s(3, 0, 3, 3, 1), "10 is Green; one point less on domain A, C, D or E makes it Amber; "
         "it is 4 points from Green star."),
        # 5 with only A and B above 0.
        (s(3, 2, 0, 0, 0), "5 is Amber; one point less on domain A or B makes it Red; "
                           "it is 5 points from Green."),
        # 4 with A at 3: the others can gain a point.
        (s(3, 1, 0, 0, 0), "4 is Red; one point more on domain B, C, D or E makes it Amber."),
        # 13 with four domains already at 3: only E can gain a point.
        (s(3, 3, 3, 3, 1), "13 is Green; one point more on domain E makes it Green star; "
                           "it is 4 points from Amber."),
        # 9 with three domains at 3.
        (s(3, 3, 3, 0, 0), "9 is Amber; one point more on domain D or E makes it Green; "
                           "it is 5 points from Red."),
    ],
)  # fmt: skip
def test_boundary_sensitivity_names_the_domains_that_can_move(scores, sentence):
    assert boundary_sensitivity(scores, DEFAULT_BANDS) == sentence


def test_boundary_sensitivity_can_be_sensitive_both_ways():
    bands = [Band("r", "Red", 0, 4), Band("a", "Amber", 5, 5), Band("g", "Green", 6, 15)]
    assert boundary_sensitivity(s(1, 1, 1, 1, 1), bands) == (
        "5 is Amber; one point less on any domain makes it Red; "
        "one point more on any domain makes it Green."
    )


def test_boundary_sensitivity_with_a_single_band_only_names_it():
    assert boundary_sensitivity(s(1, 1, 1, 1, 1), [Band("all", "Pass", 0, 15)]) == "5 is Pass."


def test_boundary_sensitivity_refuses_invalid_scores():
    with pytest.raises(ScoreError):
        boundary_sensitivity(s(2, 2, 2, 2, 5), DEFAULT_BANDS)


@given(domain_scores)
def test_sensitivity_matches_the_bands_one_point_either_side(scores):
    total = sum(scores.values())
    sentence = boundary_sensitivity(scores, DEFAULT_BANDS)
    band = band_for_total(total)
    assert (
        sentence.startswith(f"{total} is {band.label};") or sentence == f"{total} is {band.label}."
    )
    assert ("one point less" in sentence) == (total > 0 and band_for_total(total - 1) != band)
    assert ("one point more" in sentence) == (total < 15 and band_for_total(total + 1) != band)
    near = triage_case(scores, scores, DEFAULT_BANDS)
    assert bool(near) == ("one point" in sentence)


# =========================================================================== statistics

# --------------------------------------------------------------------- quadratic weighted kappa
#
# Textbook example: 85 xeromammograms, each classified by two radiologists as normal,
# benign, suspected cancer or cancer (Boyd et al. 1982, J Natl Cancer Inst 68:357-363;
# used for weighted kappa in Altman 1991, Practical Statistics for Medical Research,
# pp. 403-405, and as the worked example of the Stata Base Reference Manual, [R] kappa,
# "kap rada radb, wgt(w2)"). Coded 0-3, rows radiologist A, columns radiologist B:
#
#                 B: 0    1    2    3  | rows
#     A: 0 normal    21   12    0    0 |  33
#     A: 1 benign     4   17    1    0 |  22
#     A: 2 suspect    3    9   15    2 |  29
#     A: 3 cancer     0    0    0    1 |   1
#     columns        28   38   16    3 |  85
#
# Quadratic (Fleiss-Cohen) weights, as agreement weights w_ij = 1 - (i-j)^2 / 9:
#
#          1.0000  0.8889  0.5556  0.0000
#          0.8889  1.0000  0.8889  0.5556
#          0.5556  0.8889  1.0000  0.8889
#          0.0000  0.5556  0.8889  1.0000
#
# Observed weighted disagreement, sum of (i-j)^2 * count over the off-diagonal cells:
#     12*1 + 4*1 + 1*1 + 3*4 + 9*1 + 2*1 = 40
#     observed weighted agreement p_o = 1 - 40 / (9 * 85) = 725/765 = 0.9477  (94.77%)
# Expected counts e_ij = row_i * col_j / 85 (rater marginals treated as independent):
#     A: 0   10.87  14.75   6.21   1.16      (33*28, 33*38, 33*16, 33*3)/85
#     A: 1    7.25   9.84   4.14   0.78      (22*...)/85
#     A: 2    9.55  12.96   5.46   1.02      (29*...)/85
#     A: 3    0.33   0.45   0.19   0.04      ( 1*...)/85
# Expected weighted disagreement, sum of (i-j)^2 * row_i * col_j (over 85^2):
#     (i-j)^2 = 1: 33*38 + 22*28 + 22*16 + 29*38 + 29*3 + 1*16 = 1254+616+352+1102+87+16 = 3427
#     (i-j)^2 = 4: 33*16 + 22*3 + 29*28 + 1*38 = 528+66+812+38 = 1444, times 4 = 5776
#     (i-j)^2 = 9: 33*3 + 1*28 = 127, times 9 = 1143
#     total 3427 + 5776 + 1143 = 10346
#     expected weighted agreement p_e = 1 - 10346 / (9 * 85^2) = 54679/65025 = 0.8409  (84.09%)
# kappa_w = (p_o - p_e) / (1 - p_e) = 1 - (85 * 40) / 10346 = 3473/5173 = 0.6714
# The published figures: agreement 94.77%, expected agreement 84.09%, weighted kappa 0.671.

RADIOLOGISTS = [
    [21, 12, 0, 0],
    [4, 17, 1, 0],
    [3, 9, 15, 2],
    [0, 0, 0, 1],
]


def pairs_from_table(table):
    return [
        (i, j) for i, row in enumerate(table) for j, count in enumerate(row) for _ in range(count)
    ]


def test_kappa_reproduces_the_published_radiologist_example():
    pairs = pairs_from_table(RADIOLOGISTS)
    assert len(pairs) == 85
    kappa = quadratic_weighted_kappa(pairs)
    assert kappa == float(Fraction(3473, 5173))
    assert round(kappa, 3) == 0.671


def test_kappa_of_the_textbook_example_with_the_raters_swapped_is_the_same():
    pairs = [(b, a) for a, b in pairs_from_table(RADIOLOGISTS)]
    assert quadratic_weighted_kappa(pairs) == float(Fraction(3473, 5173))


def test_kappa_is_one_for_perfect_agreement():
    assert quadratic_weighted_kappa([(0, 0), (1, 1), (3, 3), (2, 2), (3, 3)]) == 1.0
    assert quadratic_weighted_kappa([(1, 1), (2, 2)]) == 1.0


def test_kappa_is_zero_when_the_table_is_the_product_of_its_marginals():
    # Every (a, b) once: rows and columns all 4, each cell 1 = 4 * 4 / 16, observed = expected.
    every_pair = [(a, b) for a in range(4) for b in range(4)]
    assert quadratic_weighted_kappa(every_pair) == 0.0
    # A rates 0 or 2, B rates 1 or 3, each combination once: rows 2, 2; columns 2, 2.
    # Observed disagreement (0-1)^2 + (0-3)^2 + (2-1)^2 + (2-3)^2 = 12, times n = 4: 48.
    # Expected: sum of row_i * col_j * (i-j)^2 = 2*2*(1 + 9 + 1 + 1) = 48. kappa = 1 - 48/48.
    assert quadratic_weighted_kappa([(0, 1), (0, 3), (2, 1), (2, 3)]) == 0.0


def test_kappa_is_minus_one_for_opposite_extremes():
    # Observed 9 + 9 = 18, times n = 2: 36; expected 1*1*9 + 1*1*9 = 18; 1 - 36/18 = -1.
    assert quadratic_weighted_kappa([(0, 3), (3, 0)]) == -1.0


def test_kappa_hand_computed_three_category_case():
    # Categories 0-2. Pairs (0,0), (1,1), (2,1), (2,2): rows 1,1,2; columns 1,2,1; n = 4.
    # Observed disagreement: one pair one apart = 1, times n: 4.
    # Expected: (i-j)^2 = 1 cells: r0c1 + r1c0 + r1c2 + r2c1 = 2 + 1 + 1 + 4 = 8;
    #           (i-j)^2 = 4 cells: r0c2 + r2c0 = 1 + 2 = 3, times 4 = 12. Total 20.
    # kappa = 1 - 4/20 = 0.8.
    assert quadratic_weighted_kappa([(0, 0), (1, 1), (2, 1), (2, 2)], categories=(0, 1, 2)) == 0.8


def test_kappa_is_undefined_without_pairs_or_without_expected_disagreement():
    assert quadratic_weighted_kappa([]) is None
    # Both raters always say 2: nothing to tell agreement from chance.
    assert quadratic_weighted_kappa([(2, 2), (2, 2), (2, 2)]) is None


@pytest.mark.parametrize("bad", [(4, 1), (-1, 0), (1.5, 1), (True, 1), ("2", 2)])
def test_kappa_refuses_a_rating_outside_the_categories(bad):
    with pytest.raises(ValueError, match="not one of the categories"):
        quadratic_weighted_kappa([(0, 0), bad])


@given(rating_pairs)
def test_kappa_is_symmetric_in_the_two_raters(pairs):
    assert quadratic_weighted_kappa(pairs) == quadratic_weighted_kappa([(b, a) for a, b in pairs])


@given(rating_pairs)
def test_kappa_lies_between_minus_one_and_one(pairs):
    kappa = quadratic_weighted_kappa(pairs)
    if kappa is not None:
        assert -1.0 <= kappa <= 1.0


@given(st.lists(st.integers(0, 3), min_size=1, max_size=30))
def test_kappa_of_identical_ratings_is_one_unless_only_one_category_is_used(ratings):
    kappa = quadratic_weighted_kappa([(r, r) for r in ratings])
    assert kappa == (1.0 if len(set(ratings)) > 1 else None)


# --------------------------------------------------------------------- exact and adjacent


def test_agreement_fractions_by_hand():
    # Exact: (0,0), (2,2) = 2 of 4; adjacent (|a-b| <= 1): those and (1,2) = 3 of 4.
    assert agreement([(0, 0), (1, 2), (3, 1), (2, 2)]) == Agreement(n=4, exact=0.5, adjacent=0.75)


def test_agreement_without_pairs_is_undefined():
    assert agreement([]) == Agreement(n=0, exact=None, adjacent=None)


@given(rating_pairs)
def test_adjacent_agreement_includes_exact(pairs):
    result = agreement(pairs)
    if pairs:
        assert 0.0 <= result.exact <= result.adjacent <= 1.0


def test_domain_agreement_per_domain_by_hand():
    cases = [
        (s(2, 2, 1, 0, 3), s(2, 3, 3, 0, 3)),
        (s(1, 2, 2, 1, 3), s(1, 1, 2, 1, 3)),
        (s(3, 0, 0, 2, 3), s(3, 0, 2, 3, 3)),
        (s(0, 1, 1, 3, 3), s(0, 1, 1, 3, 3)),
    ]
    result = domain_agreement(cases)
    assert list(result) == list(DOMAIN_CODES)
    # A: identical on all four, four categories used: kappa 1.
    assert (result["A"].n, result["A"].exact, result["A"].adjacent, result["A"].kappa) == (
        4,
        1.0,
        1.0,
        1.0,
    )
    # B: (2,3), (2,1), (0,0), (1,1): exact 2/4, adjacent 4/4.
    assert (result["B"].exact, result["B"].adjacent) == (0.5, 1.0)
    # C: (1,3), (2,2), (0,2), (1,1): exact 2/4, adjacent 2/4.
    assert (result["C"].exact, result["C"].adjacent) == (0.5, 0.5)
    # C's kappa: rows (A) 0:1, 1:2, 2:1; columns (B) 1:1, 2:2, 3:1; n = 4.
    # Observed: (1-3)^2 + (0-2)^2 = 8, times n: 32.
    # Expected sum of row_i * col_j * (i-j)^2:
    #   row 0 (1): col1 1*1*1 + col2 1*2*4 + col3 1*1*9 = 1 + 8 + 9 = 18
    #   row 1 (2): col1 0 + col2 2*2*1 + col3 2*1*4 = 4 + 8 = 12
    #   row 2 (1): col1 1*1*1 + col2 0 + col3 1*1*1 = 2
    #   total 32. kappa = 1 - 32/32 = 0.
    assert result["C"].kappa == 0.0
    # E: everyone 3: agreement 1 but kappa undefined.
    assert (result["E"].exact, result["E"].kappa) == (1.0, None)


def test_domain_agreement_refuses_incomplete_scores():
    with pytest.raises(ScoreError, match="Domain E has no score"):
        domain_agreement([({"A": 1, "B": 1, "C": 1, "D": 1}, s(1, 1, 1, 1, 1))])


def test_domain_agreement_of_no_cases():
    result = domain_agreement([])
    assert all(
        (r.n, r.kappa, r.exact, r.adjacent) == (0, None, None, None) for r in result.values()
    )


# --------------------------------------------------------------------- assessor deviation


def test_a_severe_assessor_deviates_below_and_a_lenient_one_above():
    moderated = s(2, 2, 2, 2, 2)
    records = [
        ("severe", s(1, 1, 2, 2, 2), moderated),  # -2 over 5 domains
        ("lenient", s(3, 3, 3, 2, 2), moderated),  # +3 over 5 domains
        ("severe", s(2, 2, 2, 2, 2), moderated),  # 0: not moderated
        ("fair", s(3, 1, 2, 2, 2), moderated),  # +1 - 1 = 0, but moderated
    ]
    severe, lenient, fair = assessor_deviation(records)
    assert (severe.assessor, severe.cases, severe.mean_deviation) == ("severe", 2, -0.2)
    assert (severe.moderated_cases, severe.moderated_share) == (1, 0.5)
    assert (lenient.assessor, lenient.mean_deviation, lenient.moderated_share) == (
        "lenient",
        0.6,
        1.0,
    )
    assert (fair.mean_deviation, fair.moderated_share) == (0.0, 1.0)


def test_an_assessor_never_moderated_has_no_deviation():
    (result,) = assessor_deviation([(7, s(1, 2, 3, 0, 1), s(1, 2, 3, 0, 1))] * 3)
    assert (result.assessor, result.cases, result.mean_deviation, result.moderated_share) == (
        7,
        3,
        0.0,
        0.0,
    )


def test_assessor_deviation_refuses_invalid_scores():
    with pytest.raises(ScoreError):
        assessor_deviation([("x", s(1, 2, 3, 0, 4), s(1, 2, 3, 0, 1))])


@given(st.lists(st.tuples(st.sampled_from("xyz"), domain_scores, domain_scores), max_size=20))
def test_assessor_deviation_is_within_bounds_and_counts_every_case(records):
    results = assessor_deviation(records)
    assert sum(result.cases for result in results) == len(records)
    for result in results:
        assert -3.0 <= result.mean_deviation <= 3.0
        assert 0.0 <= result.moderated_share <= 1.0
