"""Writes to evidence submissions. Every function re-checks permission, takes the
submission's row lock, and appends a ``SubmissionEvent``.

Side effects are listed per function. Files are checked (``evidence/filecheck.py``)
before any lock is taken, streamed into private storage under a generated name, and
removed again if the database write fails.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessment.models import Cycle
from ccgs.models import CCG
from evidence import workflow
from evidence.filecheck import CheckedFile, check_file
from evidence.models import (
    DomainNarrative,
    EvidenceFile,
    EvidenceItem,
    Submission,
    SubmissionEvent,
)

Kind = SubmissionEvent.Kind


class SubmissionError(Exception):
    """A request the submission's rules refuse; the message is for the user."""


class EditConflict(SubmissionError):
    """Someone saved a newer version since the form was opened."""

    def __init__(self, current: DomainNarrative):
        self.current = current
        super().__init__(
            f"{current.updated_by} saved a newer version of this narrative at "
            f"{timezone.localtime(current.updated_at):%H:%M on %d %B %Y}. Your text has not "
            "been saved: compare it with theirs below, then save again."
        )


@dataclass(frozen=True)
class ActionResult:
    submission: Submission
    changed: bool
    message: str


def _require(user, perm: str, submission: Submission) -> None:
    if not user.has_perm(perm, submission):
        raise PermissionDenied(perm)


def _locked(submission: Submission) -> Submission:
    """Re-read the submission under a row lock (call inside ``transaction.atomic``)."""
    return (
        Submission.objects.select_for_update().select_related("cycle", "ccg").get(pk=submission.pk)
    )


def _require_editable(actor, submission: Submission) -> None:
    if not submission.is_editable():
        if submission.status == workflow.Status.SUBMITTED:
            raise SubmissionError(
                "This submission has been submitted and can no longer be changed."
            )
        raise SubmissionError(
            f"The deadline ({submission.deadline:%d %B %Y}) has passed, so this submission "
            "can no longer be changed. Ask the national team for an extension."
        )
    _require(actor, "evidence.edit_submission", submission)


def _require_can_add(actor, submission, criterion) -> None:
    """Adding evidence: to an open draft, or to one criterion that an assessor has asked
    about (an open clarification), even after submitting."""
    from evidence.selectors import open_clarification_for

    if not submission.is_editable():
        clarification = open_clarification_for(submission, criterion)
        if clarification is not None and actor.has_perm(
            "assessment.answer_clarification", clarification
        ):
            return
    _require_editable(actor, submission)


def _event(submission, kind, actor, note="", from_status="", to_status=""):
    SubmissionEvent.objects.create(
        submission=submission,
        kind=kind,
        actor=actor,
        note=note,
        from_status=from_status,
        to_status=to_status,
    )


def open_submissions(cycle: Cycle) -> int:
    """Create a draft submission for every CCG on the cycle's register. Idempotent."""
    existing = set(cycle.submissions.values_list("ccg_id", flat=True))
    missing = CCG.objects.filter(register_entries__year=cycle.register_year).exclude(
        pk__in=existing
    )
    created = Submission.objects.bulk_create(
        Submission(ccg=ccg, cycle=cycle) for ccg in missing.distinct()
    )
    return len(created)


def save_narrative(
    submission, domain, text: str, *, actor, expected_version: int
) -> DomainNarrative:
    """Save a domain's narrative unless someone saved a newer one since ``expected_version``.

    ``expected_version`` is 0 for a narrative not yet written. Side effects: row lock on
    the submission; narrative version + 1; a NARRATIVE_SAVED event.
    """
    text = text.strip()
    with transaction.atomic():
        submission = _locked(submission)
        _require_editable(actor, submission)
        narrative = DomainNarrative.objects.filter(submission=submission, domain=domain).first()
        current_version = narrative.version if narrative else 0
        if current_version != expected_version:
            if narrative is None:  # a version of a narrative never written: not a real form
                raise SubmissionError(
                    "This form is out of date: open the narrative again, then save your text."
                )
            raise EditConflict(narrative)
        if narrative is None:
            narrative = DomainNarrative.objects.create(
                submission=submission, domain=domain, text=text, updated_by=actor
            )
        elif narrative.text != text:
            narrative.text = text
            narrative.version += 1
            narrative.updated_by = actor
            narrative.save(update_fields=["text", "version", "updated_by", "updated_at"])
        else:
            return narrative
        _event(submission, Kind.NARRATIVE_SAVED, actor, note=f"Domain {domain.code}")
        return narrative


def _active_items(submission, criterion, description: str):
    """The criterion's current items with this description: a repeat of the same link or
    file (a form sent twice) is refused, not stored twice."""
    return EvidenceItem.objects.filter(
        submission=submission,
        criterion=criterion,
        removed_at__isnull=True,
        description=description.strip(),
    )


def _check_room(submission, criterion) -> None:
    count = EvidenceItem.objects.filter(
        submission=submission, criterion=criterion, removed_at__isnull=True
    ).count()
    if count >= workflow.MAX_ITEMS_PER_CRITERION:
        raise SubmissionError(
            f"{criterion.code} already has {workflow.MAX_ITEMS_PER_CRITERION} pieces of "
            "evidence. Remove one before adding another."
        )


def add_link(submission, criterion, *, url: str, description: str, actor) -> EvidenceItem:
    """Side effects: row lock; a new link item; an EVIDENCE_ADDED event.

    The URL is only stored and shown: the server never fetches it.
    """
    with transaction.atomic():
        submission = _locked(submission)
        _require_can_add(actor, submission, criterion)
        if _active_items(submission, criterion, description).filter(url=url).exists():
            raise SubmissionError(f"{criterion.code} already has this link, with this description.")
        _check_room(submission, criterion)
        item = EvidenceItem.objects.create(
            submission=submission,
            criterion=criterion,
            kind=EvidenceItem.Kind.LINK,
            url=url,
            description=description.strip(),
            created_by=actor,
        )
        _event(submission, Kind.EVIDENCE_ADDED, actor, note=f"{criterion.code}: link {url}")
        return item


def check_upload(upload) -> CheckedFile:
    """Check an uploaded file from its temporary file on disk (``FileRefused`` if unsafe)."""
    max_bytes = settings.EVIDENCE_MAX_UPLOAD_BYTES
    if hasattr(upload, "temporary_file_path"):
        return check_file(upload.temporary_file_path(), upload.name, max_bytes=max_bytes)
    with tempfile.NamedTemporaryFile() as spooled:  # an in-memory upload: spool it to disk
        for chunk in upload.chunks():
            spooled.write(chunk)
        spooled.flush()
        return check_file(Path(spooled.name), upload.name, max_bytes=max_bytes)


@contextmanager
def _files_removed_on_failure():
    """Collect stored files; if the transaction around them fails, delete them again."""
    stored: list[EvidenceFile] = []
    try:
        yield stored
    except BaseException:
        for evidence_file in stored:
            evidence_file.file.storage.delete(evidence_file.file.name)
        raise


def _store_revision(
    stored: list, item, upload, checked: CheckedFile, revision: int, actor
) -> EvidenceFile:
    """Stream the upload into storage, register it for clean-up, then save its row."""
    upload.seek(0)
    evidence_file = EvidenceFile(
        item=item,
        revision=revision,
        display_name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    evidence_file.file.save(f"upload.{checked.extension}", upload, save=False)
    stored.append(evidence_file)
    evidence_file.save()
    return evidence_file


def add_file(submission, criterion, *, upload, description: str, actor) -> EvidenceItem:
    """Check, then store, a file as new evidence for ``criterion``.

    Side effects: the file is streamed to private storage under a generated name (deleted
    again if the transaction fails); row lock; a new item with revision 1; an
    EVIDENCE_ADDED event.
    """
    checked = check_upload(upload)
    with _files_removed_on_failure() as stored, transaction.atomic():
        submission = _locked(submission)
        _require_can_add(actor, submission, criterion)
        if (
            _active_items(submission, criterion, description)
            .filter(revisions__sha256=checked.sha256)
            .exists()
        ):
            raise SubmissionError(
                f"{criterion.code} already has {checked.display_name}, with this description."
            )
        _check_room(submission, criterion)
        item = EvidenceItem.objects.create(
            submission=submission,
            criterion=criterion,
            kind=EvidenceItem.Kind.FILE,
            description=description.strip(),
            created_by=actor,
        )
        _store_revision(stored, item, upload, checked, 1, actor)
        _event(
            submission,
            Kind.EVIDENCE_ADDED,
            actor,
            note=f"{criterion.code}: {checked.display_name} ({checked.sha256[:12]})",
        )
        return item


def replace_file(item: EvidenceItem, *, upload, actor) -> EvidenceFile:
    """Add a new revision of a file item; earlier revisions stay. Side effects as ``add_file``."""
    checked = check_upload(upload)
    with _files_removed_on_failure() as stored, transaction.atomic():
        submission = _locked(item.submission)
        _require_editable(actor, submission)
        item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        if item.kind != EvidenceItem.Kind.FILE or item.removed_at is not None:
            raise SubmissionError(
                "Only a file that is still part of the submission can be replaced."
            )
        current = item.revisions.order_by("-revision").first()
        if current is not None and current.sha256 == checked.sha256:
            raise SubmissionError(
                f"{checked.display_name} is the same as the current version: nothing was replaced."
            )
        latest = item.revisions.aggregate(latest=Max("revision"))["latest"] or 0
        evidence_file = _store_revision(stored, item, upload, checked, latest + 1, actor)
        _event(
            submission,
            Kind.FILE_REPLACED,
            actor,
            note=f"{item.criterion.code}: {checked.display_name} is revision {latest + 1}",
        )
        return evidence_file


def remove_item(item: EvidenceItem, *, actor) -> None:
    """Take an item out of the submission; it and its files are kept for the history."""
    with transaction.atomic():
        submission = _locked(item.submission)
        _require_editable(actor, submission)
        updated = EvidenceItem.objects.filter(pk=item.pk, removed_at__isnull=True).update(
            removed_at=timezone.now(), removed_by=actor
        )
        if updated:
            _event(
                submission,
                Kind.EVIDENCE_REMOVED,
                actor,
                note=f"{item.criterion.code}: {item.description}",
            )


def apply_action(
    submission: Submission, action: workflow.Action, *, actor, note=""
) -> ActionResult:
    """The single writer of a submission's status.

    Side effects: row lock; status (and submitted_at/by) saved; a SUBMITTED or REOPENED
    event; on SUBMIT, the receipt e-mail is queued after commit. Repeating an action
    that already happened changes nothing and says so.
    """
    from evidence import selectors, tasks

    action = workflow.Action(action)
    with transaction.atomic():
        submission = _locked(submission)
        status = workflow.Status(submission.status)
        if (status, action) in workflow.ALREADY_DONE:
            return ActionResult(submission, False, workflow.ALREADY_DONE[(status, action)])
        if action == workflow.Action.SUBMIT:
            _require_editable(actor, submission)
            blocking = selectors.submission_overview(submission).blocking_problems
            if blocking:
                raise SubmissionError(" ".join(blocking))
        else:
            _require(actor, "evidence.reopen_submission", submission)
        new_status = workflow.next_status(status, action)
        submission.status = new_status.value
        fields = ["status", "updated_at"]
        if new_status == workflow.Status.SUBMITTED:
            submission.submitted_at = timezone.now()
            submission.submitted_by = actor
            fields += ["submitted_at", "submitted_by"]
        submission.save(update_fields=fields)
        kind = Kind.SUBMITTED if action == workflow.Action.SUBMIT else Kind.REOPENED
        _event(submission, kind, actor, note, from_status=status, to_status=new_status)
        if action == workflow.Action.SUBMIT:
            submission_id = submission.pk
            transaction.on_commit(lambda: tasks.send_submission_receipt.delay(submission_id))
        messages = {
            workflow.Action.SUBMIT: "Evidence submitted.",
            workflow.Action.REOPEN: "The submission is a draft again.",
        }
        return ActionResult(submission, True, messages[action])


def grant_extension(submission: Submission, *, until, reason: str, actor) -> Submission:
    """Side effects: row lock; extension date and reason saved; an EXTENSION_GRANTED event."""
    with transaction.atomic():
        submission = _locked(submission)
        _require(actor, "evidence.grant_extension", submission)
        if (submission.extension_until, submission.extension_reason) == (until, reason.strip()):
            return submission  # the same extension again (a form sent twice): nothing to record
        if until <= submission.cycle.submission_deadline:
            raise SubmissionError(
                f"An extension must end after the deadline, "
                f"{submission.cycle.submission_deadline:%d %B %Y}."
            )
        submission.extension_until = until
        submission.extension_reason = reason.strip()
        submission.save(update_fields=["extension_until", "extension_reason", "updated_at"])
        _event(submission, Kind.EXTENSION_GRANTED, actor, note=f"Until {until:%d %B %Y}: {reason}")
        return submission
