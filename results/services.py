"""Historic results: recording the published final ratings of a past cycle.

``import_ratings`` reads the rows of a CSV file (``ods_code,A,B,C,D,E``, header first) and
records each CCG's published scores as a final ``Rating`` marked imported
(``Rating.Source.IMPORTED``, nobody proposing or confirming), through the one writer of
ratings, ``assessment.moderation.record_rating``, so the band comes from that cycle's
table. All or nothing: every problem of the file is found first and named by its line
(the header is line 1), and one problem changes nothing. A CCG whose rating in force has
the same scores is "unchanged", so a second run of the same file writes nothing.

A CCG without a submission for the cycle gets one, left a draft with no ``submitted_at``:
the evidence went to NHS England outside this service and we do not know when, so we do
not invent a submission time; a draft past its deadline is locked, and assessors' queues
and the moderation queue take submitted CCGs only, so an imported result never enters
assessment. The audit trail shows each imported rating ("Published rating imported",
``assessment.audit``) with the note given here.

Importing into a cycle not yet released needs ``released_on``, the day the results were
published: imported results are public, and releasing a cycle publishes every rating of
it, so an import must never release a cycle by accident (a mistyped ``--cycle``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from assessment.models import Cycle, Rating
from assessment.moderation import record_rating
from assessment.scoring import DOMAIN_CODES
from ccgs.models import CCG
from evidence.models import Submission
from results.selectors import final_ratings

HEADER = ("ods_code", *DOMAIN_CODES)
DEFAULT_NOTE = "Published result, imported."
WHOLE_NUMBER = re.compile(r"\d+")


class ImportRefused(Exception):
    """The file has problems; nothing was changed. ``problems`` names each by line."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f"Nothing was imported: {count} problem{'' if count == 1 else 's'} found.\n"
            + "\n".join(self.problems)
        )


@dataclass(frozen=True)
class RatingsLine:
    line: int
    ods_code: str
    scores: dict[str, int]


@dataclass
class ImportReport:
    cycle: Cycle
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    submissions_created: int = 0
    released_now: datetime | None = None

    def summary(self) -> str:
        text = (
            f"{self.cycle.label}: {len(self.created)} rating{'' if len(self.created) == 1 else 's'}"
            f" created, {len(self.unchanged)} unchanged"
            f" ({self.submissions_created} submission"
            f"{'' if self.submissions_created == 1 else 's'} created)."
        )
        if self.released_now is not None:
            text += (
                f" The cycle is now released, as published on "
                f"{timezone.localtime(self.released_now):%d %B %Y}."
            )
        return text


def _scores_text(scores: dict[str, int]) -> str:
    return " ".join(f"{code}{scores[code]}" for code in DOMAIN_CODES)


def parse_rows(rows: Iterable[Sequence[object]]) -> tuple[list[RatingsLine], list[str]]:
    """The file's lines and every problem of its own (header, cells, duplicates), no query."""
    rows = iter(rows)
    header = next(rows, None)
    clean_header = tuple(str(cell).strip().lstrip("\ufeff") for cell in header or ())
    if clean_header != HEADER:
        missing = [name for name in HEADER if name not in clean_header]
        extra = list(dict.fromkeys(name for name in clean_header if name not in HEADER))
        detail = ""
        if missing:
            detail += f"; missing column{'' if len(missing) == 1 else 's'} {', '.join(missing)}"
        if extra:
            detail += f"; unexpected column{'' if len(extra) == 1 else 's'} {', '.join(extra)}"
        if not header:
            detail = "; the file is empty"
        return [], [f"Line 1: the header must be exactly {','.join(HEADER)}{detail}."]
    lines: list[RatingsLine] = []
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        cells = [str(cell).strip() for cell in row]
        if not any(cells):
            continue  # a blank line
        if len(cells) != len(HEADER):
            problems.append(
                f"Line {number}: expected {len(HEADER)} values ({','.join(HEADER)}), "
                f"found {len(cells)}."
            )
            continue
        ods_code, *values = cells
        ods_code = ods_code.upper()
        row_problems = []
        if not ods_code:
            row_problems.append(f"Line {number}: the ODS code is missing.")
        scores: dict[str, int] = {}
        for code, value in zip(DOMAIN_CODES, values, strict=True):
            if not WHOLE_NUMBER.fullmatch(value):
                row_problems.append(
                    f"Line {number}: the score for domain {code} is {value!r}, "
                    "not a whole number from 0 to 3."
                )
            elif not 0 <= int(value) <= 3:
                row_problems.append(
                    f"Line {number}: the score for domain {code} is {int(value)}, outside 0-3."
                )
            else:
                scores[code] = int(value)
        if ods_code in first_seen:
            row_problems.append(
                f"Line {number}: {ods_code} appears again (first on line {first_seen[ods_code]})."
            )
        elif ods_code:
            first_seen[ods_code] = number
        problems.extend(row_problems)
        if not row_problems:
            lines.append(RatingsLine(number, ods_code, scores))
    if not lines and not problems:
        problems.append("The file has a header but no ratings.")
    return lines, problems


def _release_time(released_on: date) -> datetime:
    return timezone.make_aware(datetime.combine(released_on, time.min))


def import_ratings(
    cycle: Cycle,
    rows: Iterable[Sequence[object]],
    *,
    released_on: date | None = None,
    note: str = DEFAULT_NOTE,
) -> ImportReport:
    """Record the published final ratings in ``rows`` (a CSV file's rows, header first).

    Raises ``ImportRefused`` naming every problem by line, having changed nothing: a bad
    header, a wrong number of values, a score that is not a whole number from 0 to 3, a
    duplicate ODS code, an unknown ODS code, a CCG whose rating in force differs, or a cycle
    not yet released without ``released_on`` (or with one in the future).

    Side effects, in one transaction under the cycle's row lock: a draft Submission for
    each CCG without one; one imported Rating per CCG without a rating in force;
    ``cycle.released_at`` set to the start of ``released_on`` if it was not released.
    """
    lines, problems = parse_rows(rows)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        released_now = None
        if not cycle.is_released():
            if released_on is None:
                problems.insert(
                    0,
                    f"{cycle.label} has not been released. Imported results are published "
                    "results: give the day they were published (--released-on) to release "
                    "the cycle with this import.",
                )
            elif released_on > timezone.localdate():
                problems.insert(0, f"The publication day {released_on:%d %B %Y} is in the future.")
            else:
                released_now = _release_time(released_on)
        codes = [line.ods_code for line in lines]
        ccgs = {c.ods_code: c for c in CCG.objects.filter(ods_code__in=codes)}
        in_force = {
            rating.submission.ccg.ods_code: rating
            for rating in final_ratings()
            .filter(submission__cycle=cycle, submission__ccg__ods_code__in=codes)
            .select_related("submission__ccg")
        }
        report = ImportReport(cycle)
        to_create: list[RatingsLine] = []
        for line in lines:
            if line.ods_code not in ccgs:
                problems.append(f"Line {line.line}: unknown ODS code {line.ods_code}.")
                continue
            current = in_force.get(line.ods_code)
            if current is None:
                to_create.append(line)
            elif {code: current.scores[code] for code in DOMAIN_CODES} == line.scores:
                report.unchanged.append(line.ods_code)
            else:
                problems.append(
                    f"Line {line.line}: {line.ods_code} already has a rating in force for "
                    f"{cycle.label} ({_scores_text(current.scores)} = {current.total} "
                    f"{current.band_label}), different from this line's "
                    f"({_scores_text(line.scores)}); an import never changes a rating "
                    "(a review does)."
                )
        if problems:
            raise ImportRefused(problems)
        if to_create:
            _record(cycle, [(ccgs[line.ods_code], line) for line in to_create], note, report)
        if released_now is not None:
            cycle.released_at = released_now
            cycle.save(update_fields=["released_at", "updated_at"])
            report.released_now = released_now
    return report


def _record(cycle: Cycle, pairs: list[tuple[CCG, RatingsLine]], note: str, report) -> None:
    """Submissions where missing (in one insert), then one rating per line."""
    cycle = Cycle.objects.prefetch_related("bands").get(pk=cycle.pk)  # one band table read
    existing = {
        s.ccg_id: s
        for s in Submission.objects.filter(cycle=cycle, ccg__in=[ccg for ccg, _ in pairs])
    }
    missing = [Submission(ccg=ccg, cycle=cycle) for ccg, _ in pairs if ccg.pk not in existing]
    Submission.objects.bulk_create(missing)
    report.submissions_created = len(missing)
    existing.update((s.ccg_id, s) for s in missing)  # PostgreSQL returns their ids
    for ccg, line in pairs:
        submission = existing[ccg.pk]
        submission.cycle = cycle
        record_rating(
            submission,
            line.scores,
            proposed_by=None,
            confirmed_by=None,
            source=Rating.Source.IMPORTED,
            note=note,
        )
        report.created.append(line.ods_code)
