"""Every write of the good-practice library: proposals made from assessors' flags, a
moderator's approval or rejection, and the admin's record of a CCG's consent to be named.

Each writer is atomic, locks the row it changes and checks the permission again, so a
command or a second tab obeys the same rules as the pages. A decision that was already
made is refused with a clear message ("already approved"), never made twice.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessment.models import Criterion, Cycle, DomainScore
from library.models import ConsentEvent, GoodPracticeExample, PublicationConsent

Status = GoodPracticeExample.Status


class LibraryError(Exception):
    """A decision the library's rules refuse; the message is for the user."""


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(perm)


def flagged_scores(cycle: Cycle) -> QuerySet[DomainScore]:
    """The cycle's domain scores that flag good practice: a submitted assessment's domain
    with a good-practice text."""
    return (
        DomainScore.objects.filter(
            assessment__submission__cycle=cycle, assessment__status="submitted"
        )
        .exclude(good_practice="")
        .select_related("assessment")
    )


def proposals_for(cycle: Cycle) -> QuerySet[GoodPracticeExample]:
    """The cycle's proposals waiting for a moderator, made first from any new flags.

    Side effects: one ``proposed`` example per flagged DomainScore that has none
    (``ignore_conflicts`` on the one-example-per-score constraint, so two moderators
    opening the queue at once make each proposal once). A proposal whose assessment was
    reopened, or whose text was emptied, is not listed (and returns once flagged again).
    """
    new = flagged_scores(cycle).filter(library_example__isnull=True)
    GoodPracticeExample.objects.bulk_create(
        [
            GoodPracticeExample(
                cycle=cycle,
                submission_id=score.assessment.submission_id,
                domain_id=score.domain_id,
                source=score,
                flagged_by_id=score.assessment.assessor_id,
            )
            for score in new
        ],
        ignore_conflicts=True,
    )
    return (
        GoodPracticeExample.objects.filter(
            cycle=cycle,
            status=Status.PROPOSED,
            source__assessment__status="submitted",
        )
        .exclude(source__good_practice="")
        .select_related("submission__ccg", "domain", "source", "flagged_by")
        .order_by("submission__ccg__name", "domain__code", "pk")
    )


def names_of(ccg) -> list[str]:
    """How a CCG is called in text: its full name and its name without "NHS" and "CCG"."""
    core = re.sub(
        r"^NHS\s+|\s+(CCG|Clinical Commissioning Group)$", "", ccg.name.strip(), flags=re.I
    )
    return [name for name in {ccg.name.strip(), core.strip()} if len(name) >= 3]


def _refuse_names(example: GoodPracticeExample, *texts: str) -> None:
    """The CCG is named only through consent, so the published text never names it."""
    text = " ".join(texts).casefold()
    for name in names_of(example.submission.ccg):
        if name.casefold() in text:
            raise LibraryError(
                f"Take “{name}” out of the title and summary: the library names the CCG "
                "only when the national admin has recorded its consent."
            )


def _lock(example: GoodPracticeExample) -> GoodPracticeExample:
    return (
        GoodPracticeExample.objects.select_for_update(of=("self",))
        .select_related("submission__ccg", "domain")
        .get(pk=example.pk)
    )


def decided_message(example: GoodPracticeExample) -> str:
    """What a moderator is told on deciding an example decided already."""
    who = example.decided_by.full_name if example.decided_by_id else "someone"
    return (
        f"This example was already {example.get_status_display().lower()} by {who} "
        f"on {timezone.localtime(example.decided_at):%d %B %Y}."
    )


def _refuse_decided(example: GoodPracticeExample) -> None:
    if example.status != Status.PROPOSED:
        raise LibraryError(decided_message(example))


def update_search_vector(example: GoodPracticeExample) -> None:
    """Write the example's full-text vector: title (weight A) and summary (weight B), with
    English stemming. PostgreSQL only: the embedded SQLite default has no full-text search
    and ``library.selectors`` searches there with icontains."""
    if connection.vendor != "postgresql":
        return
    from django.contrib.postgres.search import SearchVector

    GoodPracticeExample.objects.filter(pk=example.pk).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
    )


def approve_example(
    example: GoodPracticeExample,
    *,
    title: str,
    summary: str,
    criterion: Criterion | None = None,
    actor,
) -> GoodPracticeExample:
    """Publish a proposal in the library with the moderator's title and summary.

    Side effects: row lock on the example; status, texts, criterion, who and when saved;
    the full-text vector written. Refused for a moderator who assessed the CCG, for a
    criterion of another domain, for text naming the CCG, and once decided.
    """
    title, summary = title.strip(), summary.strip()
    if not title or not summary:
        raise LibraryError("Give the example a title and a summary.")
    with transaction.atomic():
        example = _lock(example)
        _require(actor, "library.decide_example", example)
        _refuse_decided(example)
        if criterion is not None and criterion.domain_id != example.domain_id:
            raise LibraryError(f"Choose a criterion of domain {example.domain.code}.")
        _refuse_names(example, title, summary)
        example.title, example.summary, example.criterion = title, summary, criterion
        example.status = Status.APPROVED
        example.decided_by, example.decided_at = actor, timezone.now()
        example.save(
            update_fields=["title", "summary", "criterion", "status", "decided_by", "decided_at"]
        )
        update_search_vector(example)
    return example


def reject_example(example: GoodPracticeExample, *, reason: str, actor) -> GoodPracticeExample:
    """Keep a proposal out of the library, with the moderator's reason.

    Side effects: row lock on the example; status, reason, who and when saved."""
    reason = reason.strip()
    if not reason:
        raise LibraryError("Give the reason for not publishing this example.")
    with transaction.atomic():
        example = _lock(example)
        _require(actor, "library.decide_example", example)
        _refuse_decided(example)
        example.status = Status.REJECTED
        example.decision_note = reason
        example.decided_by, example.decided_at = actor, timezone.now()
        example.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    return example


def record_consent(ccg, cycle: Cycle, consented: bool, *, actor, note: str = "") -> bool:
    """Record whether ``ccg`` consents to be named in the library for ``cycle``.

    Side effects: the PublicationConsent row upserted under a lock; a ConsentEvent
    appended. Returns False (and writes nothing) when the same answer is recorded already.
    """
    _require(actor, "library.record_consent")
    note = note.strip()
    with transaction.atomic():
        current = (
            PublicationConsent.objects.select_for_update().filter(ccg=ccg, cycle=cycle).first()
        )
        if current is not None and current.consented == consented:
            return False
        now = timezone.now()
        values = {"consented": consented, "recorded_by": actor, "recorded_at": now, "note": note}
        PublicationConsent.objects.update_or_create(ccg=ccg, cycle=cycle, defaults=values)
        ConsentEvent.objects.create(ccg=ccg, cycle=cycle, **values)
    return True
