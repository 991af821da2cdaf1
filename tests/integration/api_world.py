"""Data for the API tests: released and unreleased cycles with ratings, made through the
services (``load_cycle``/``apply_cycle_spec``, ``open_submissions``, ``record_rating``)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from itertools import cycle as repeat

from django.utils import timezone

from assessment.framework import read_framework_file
from assessment.moderation import record_rating
from assessment.services import SHIPPED_FRAMEWORKS, apply_cycle_spec
from evidence.models import Submission
from evidence.services import open_submissions

WEST_NORFOLK = {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2}  # 9 Amber
HALTON = {"A": 3, "B": 3, "C": 3, "D": 2, "E": 2}  # 13 Green
OTHERS = [
    {"A": 0, "B": 1, "C": 1, "D": 0, "E": 1},  # 3 Red
    {"A": 3, "B": 3, "C": 3, "D": 3, "E": 2},  # 14 Green star
    {"A": 1, "B": 2, "C": 1, "D": 2, "E": 1},  # 7 Amber
]


def extra_cycle(label: str):
    """A cycle like the shipped 2019/20 one under another label (same register year)."""
    spec = read_framework_file(SHIPPED_FRAMEWORKS[1])
    return apply_cycle_spec(dataclasses.replace(spec, label=label)).cycle


def rate_cycle(cycle, moderator, confirmer, *, released_at) -> list:
    """Rate every CCG on the cycle's register not rated yet (07J and 01F with their seed
    scores, others in turn Red, Green star, Amber) and set the release; the new ratings."""
    open_submissions(cycle)
    others = repeat(OTHERS)
    ratings = []
    for submission in Submission.objects.filter(cycle=cycle, ratings__isnull=True).select_related(
        "ccg", "cycle"
    ):
        scores = {"07J": WEST_NORFOLK, "01F": HALTON}.get(submission.ccg.ods_code)
        ratings.append(
            record_rating(
                submission, scores or next(others), proposed_by=moderator, confirmed_by=confirmer
            )
        )
    cycle.released_at = released_at
    cycle.save()
    return ratings


def released(cycle, roles, minutes=5) -> list:
    return rate_cycle(
        cycle, roles.moderator, roles.admin, released_at=timezone.now() - timedelta(minutes=minutes)
    )


UNRELEASED_WHEN = {
    "never": lambda: None,
    "tomorrow": lambda: timezone.now() + timedelta(days=1),
}
