"""The published results: only released cycles, the rating in force, the cycle's register."""

import pytest
from django.utils import timezone

from assessment.moderation import record_rating
from ccgs.models import CCG
from results import selectors
from tests.factories import CCGFactory

pytestmark = pytest.mark.django_db

SCORES = {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2}


def rate(submission, scores, roles, **extra):
    return record_rating(
        submission, scores, proposed_by=roles.moderator, confirmed_by=roles.admin, **extra
    )


def test_result_rows_are_empty_until_the_cycle_is_released(submission, roles):
    rate(submission, SCORES, roles)
    cycle = submission.cycle
    assert selectors.result_rows(cycle) == []
    assert [r.total for r in selectors.result_rows(cycle, released_only=False)] == [9]
    cycle.released_at = timezone.now() + timezone.timedelta(hours=1)
    cycle.save()
    assert selectors.result_rows(cycle) == []
    assert not selectors.released_ratings().exists()
    cycle.released_at = timezone.now() - timezone.timedelta(seconds=1)
    cycle.save()
    [row] = selectors.result_rows(cycle)
    assert row.values() == (
        "2019/20", "07J", "NHS West Norfolk CCG", row.stp, row.region, 2, 2, 2, 1, 2, 9, "Amber"
    )  # fmt: skip
    assert row.as_dict()["ragg"] == "Amber"
    assert list(selectors.released_cycles()) == [cycle]


def test_a_review_rating_replaces_the_original_in_the_results(submission, roles):
    original = rate(submission, SCORES, roles)
    rate(submission, SCORES | {"D": 3}, roles, supersedes=original, source="review")
    submission.cycle.released_at = timezone.now()
    submission.cycle.save()
    assert [r.total for r in selectors.result_rows(submission.cycle)] == [11]
    assert selectors.final_ratings().count() == 1


def test_a_row_names_the_ccg_as_on_the_cycles_register(submission, roles, ccg):
    entry = ccg.register_entries.get(year=2019)
    entry.name = "NHS West Norfolk CCG (2019 name)"
    entry.save()
    rate(submission, SCORES, roles)
    submission.cycle.released_at = timezone.now()
    submission.cycle.save()
    with_names = selectors.with_register_names(selectors.released_ratings()).get()
    assert with_names.ccg_name == "NHS West Norfolk CCG (2019 name)"
    assert with_names.stp_name == entry.stp.name
    assert with_names.region_name == entry.stp.region.name


def test_lineage_follows_mergers_through_chains(ccg):
    first = CCGFactory(name="NHS Alpha CCG", ods_code="01A", successor=ccg)
    second = CCGFactory(name="NHS Beta CCG", ods_code="01B", successor=ccg)
    older = CCGFactory(name="NHS Older CCG", ods_code="01C", successor=first)
    CCGFactory(name="NHS Unrelated CCG", ods_code="01D")
    assert selectors.ccg_lineage(ccg) == [ccg, first, second, older]
    assert selectors.ccg_lineage(older) == [older]
    assert CCG.objects.count() == 5
