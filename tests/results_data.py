"""Test data for the results history and exports: cycles, CCGs and final ratings, made
through the services (``load_cycle``/``apply_cycle_spec`` and ``record_rating``)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from django.utils import timezone

from assessment.framework import read_framework_file
from assessment.moderation import record_rating
from assessment.scoring import DOMAIN_CODES
from assessment.services import SHIPPED_FRAMEWORKS, apply_cycle_spec, load_cycle
from evidence.models import Submission

WEST_NORFOLK_2018 = {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2}  # the seed letter: 9 Amber


def released(cycle, *, ago=timedelta(minutes=5)):
    cycle.released_at = timezone.now() - ago
    cycle.save(update_fields=["released_at", "updated_at"])
    return cycle


def cycle_2018():
    return load_cycle(SHIPPED_FRAMEWORKS[0]).cycle


def extra_cycle(start_year: int):
    """A cycle like 2019/20's, labelled for another year (e.g. 2015 -> 2015/16)."""
    spec = read_framework_file(SHIPPED_FRAMEWORKS[1])
    spec = dataclasses.replace(spec, label=f"{start_year}/{(start_year + 1) % 100:02d}")
    return apply_cycle_spec(spec).cycle


def scores_for(index: int) -> dict[str, int]:
    """Deterministic, varied domain scores for the index-th CCG."""
    return {code: (index * (n + 3) + n) % 4 for n, code in enumerate(DOMAIN_CODES)}


def rate(ccg, cycle, scores, *, moderator=None, confirmer=None, **extra):
    submission, _ = Submission.objects.get_or_create(ccg=ccg, cycle=cycle)
    return record_rating(submission, scores, proposed_by=moderator, confirmed_by=confirmer, **extra)


def rate_all(ccgs, cycle) -> dict[str, dict[str, int]]:
    """Rate every CCG with ``scores_for`` its position; ODS code -> scores."""
    given = {}
    for index, ccg in enumerate(ccgs):
        scores = scores_for(index)
        rate(ccg, cycle, scores)
        given[ccg.ods_code] = scores
    return given
