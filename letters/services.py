"""Writes of the letters: wording, bulk render runs and their jobs, documents and their
versions, release, the outbox of release e-mails and notices, and download receipts.

Rendering is exactly once per set of inputs. ``render_job`` runs under the job's row lock
and ``produce_document`` under the submission's, so two deliveries of the same job (a
worker killed after rendering, then the message redelivered or re-queued by the sweeper)
or two runs over the same CCG serialise: the second finds the document already there and
records the job as unchanged. A worker killed before its transaction commits leaves no
row; the file it may have stored has the same name the next attempt writes, and is
overwritten. The database's unique constraints (one version number, one first version,
one job per run and document) stand behind each of these rules.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import CCGRole
from assessment.models import Cycle
from evidence.models import Submission
from evidence.notifications import people_of
from letters import rendering
from letters.models import (
    Document,
    DocumentKind,
    Download,
    LetterSettings,
    OutboxMessage,
    RenderJob,
    RenderRun,
)
from letters.selectors import (
    FACT_FIELDS,
    CycleFacts,
    LetterFacts,
    changed_inputs,
    content_for,
    current_document,
    current_ratings,
    inputs_of,
    letter_settings,
    messages_of_cycle,
)
from letters.wording import LetterWording, validate_wording

log = logging.getLogger(__name__)

# A job still queued this long after it was (re-)queued has lost its message (a worker
# killed with it unacknowledged, a broker restarted): the sweeper queues it again.
JOB_TIMEOUT = timedelta(seconds=settings.LETTERS_JOB_TIMEOUT_SECONDS)
MAX_ATTEMPTS = 3
# An e-mail claimed for sending this long ago, and never marked sent, may or may not have
# gone: it is marked failed for the admin to check, never sent again automatically.
SENDING_TIMEOUT = timedelta(minutes=15)


def when_text(moment: datetime) -> str:
    """1 December 2026 at 09:00 (UK time): the pages' style for a moment."""
    return date_format(timezone.localtime(moment), r"j F Y \a\t H:i")


class LetterError(Exception):
    """A request the letter rules refuse; the message is for the user."""


def _require_admin(actor) -> None:
    if actor is not None and not actor.has_perm("letters.manage_letters"):
        raise PermissionDenied("letters.manage_letters")


# --------------------------------------------------------------------------- wording


def save_wording(cycle: Cycle, wording: LetterWording, *, letter_date: date, actor, **facts: str):
    """Save a cycle's letter wording, date and the facts it names (``FACT_FIELDS``: the
    framework, indicator, guidance section and title; the cycle's own when not given).
    Unknown placeholders are refused."""
    _require_admin(actor)
    problems = validate_wording(wording)
    if problems:
        listed = "; ".join(
            f"{field}: {', '.join('{' + name + '}' for name in names)}"
            for field, names in problems.items()
        )
        raise LetterError(f"Unknown placeholders: {listed}.")
    unknown = sorted(set(facts) - set(FACT_FIELDS))
    if unknown:
        raise TypeError(f"Unknown letter settings: {', '.join(unknown)}.")
    current = letter_settings(cycle)
    settings_row, _ = LetterSettings.objects.update_or_create(
        cycle=cycle,
        defaults={
            "wording": wording.as_dict(),
            "letter_date": letter_date,
            "updated_by": actor,
            **{name: facts.get(name) or getattr(current, name) for name in FACT_FIELDS},
        },
    )
    return settings_row


def ensure_settings(cycle: Cycle) -> LetterSettings:
    """The cycle's letter settings, created from the defaults the first time."""
    defaults = LetterFacts.defaults(cycle)
    settings_row, _ = LetterSettings.objects.get_or_create(
        cycle=cycle,
        defaults={
            "wording": defaults.wording.as_dict(),
            "letter_date": defaults.letter_date,
            **{name: getattr(defaults, name) for name in FACT_FIELDS},
        },
    )
    return settings_row


# --------------------------------------------------------------------------- rendering


def start_run(
    cycle: Cycle,
    *,
    actor,
    submissions: Iterable[Submission] | None = None,
    kinds: Sequence[str] = (DocumentKind.LETTER, DocumentKind.SUMMARY),
    reason: str = "",
    source: str = "web",
    enqueue: bool = True,
) -> RenderRun:
    """A run with one job per rated CCG (of ``submissions``, or of the whole cycle) and kind.

    Side effects: the run and its job rows; with ``enqueue``, one ``letters.render_job`` task
    per job, queued once the transaction commits. CCGs without a final rating are skipped.
    """
    _require_admin(actor)
    ensure_settings(cycle)
    ratings = current_ratings(cycle)
    wanted = Submission.objects.filter(cycle=cycle, pk__in=list(ratings))
    if submissions is not None:
        wanted = wanted.filter(pk__in=[s.pk for s in submissions])
    wanted = list(wanted.order_by("ccg__name").values_list("pk", flat=True))
    if not wanted:
        raise LetterError("No CCG of this selection has a final rating yet.")
    with transaction.atomic():
        run = RenderRun.objects.create(
            cycle=cycle, requested_by=actor, reason=reason.strip(), source=source
        )
        jobs = RenderJob.objects.bulk_create(
            RenderJob(run=run, submission_id=pk, kind=kind) for pk in wanted for kind in kinds
        )
        if enqueue:
            ids = [job.pk for job in jobs]
            transaction.on_commit(lambda: _enqueue(ids))
    return run


def _enqueue(job_ids: Sequence[int]) -> None:
    from letters.tasks import render_job as task

    for job_id in job_ids:
        task.delay(job_id)


def render_job(job_id: int, *, facts: CycleFacts | None = None) -> RenderJob:
    """Do one job: render its document unless one with the same inputs is in force.

    Idempotent: a job already done is returned as it is. Side effects: row lock on the job;
    through ``produce_document``, maybe a Document and its file; the job's status.
    A content error (no rating any more, wording a letter cannot be made from) fails the
    job with the reason; anything else is left to the caller (the task records it).
    """
    # The attempt is counted, and committed, before rendering: a job that kills its worker
    # every time (out of memory, say) is failed by the sweeper after MAX_ATTEMPTS.
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().get(pk=job_id)
        if job.status in RenderJob.DONE:
            return job
        job.attempts += 1
        job.save(update_fields=["attempts"])
    with transaction.atomic():
        job = (
            RenderJob.objects.select_for_update(of=("self",))
            .select_related("run__requested_by", "submission__ccg", "submission__cycle")
            .get(pk=job_id)
        )
        if job.status in RenderJob.DONE:
            return job
        try:
            document, created = produce_document(
                job.submission,
                job.kind,
                actor=job.run.requested_by,
                reason=job.run.reason,
                facts=facts,
            )
        except (LetterError, ValueError) as error:
            job.status = RenderJob.Status.FAILED
            job.error = str(error)
        else:
            job.status = RenderJob.Status.RENDERED if created else RenderJob.Status.UNCHANGED
            job.document = document
            job.error = ""
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "document", "error", "finished_at"])
        return job


def record_job_failure(job_id: int, error: str) -> None:
    """An unexpected error: the job is failed with it, for the admin to retry."""
    RenderJob.objects.filter(pk=job_id).exclude(status__in=RenderJob.DONE).update(
        status=RenderJob.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def produce_document(
    submission: Submission,
    kind: str,
    *,
    actor=None,
    reason: str = "",
    facts: CycleFacts | None = None,
) -> tuple[Document, bool]:
    """The document in force for this CCG and kind, rendered if its inputs changed.

    Returns ``(document, created)``. Side effects: row lock on the submission; when the
    inputs differ from the version in force (or there is none), the PDF is rendered and
    stored, and a Document written (a new version supersedes the old one, with the reason
    given, or one saying what changed); after release, the new letter joins the outbox.
    """
    from assessment.moderation import current_rating

    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("ccg", "cycle")
            .get(pk=submission.pk)
        )
        rating = current_rating(submission)
        if rating is None:
            raise LetterError(f"{submission.ccg.name} has no final rating.")
        facts = facts or CycleFacts.of(submission.cycle)
        content = content_for(submission, kind, rating, facts)
        inputs, inputs_sha256 = inputs_of(content)
        previous = current_document(submission, kind)
        if previous is not None and previous.inputs_sha256 == inputs_sha256:
            return previous, False
        rendered = rendering.render_pdf(content)
        document = Document(
            submission=submission,
            kind=kind,
            version=previous.version + 1 if previous else 1,
            rating=rating,
            sha256=hashlib.sha256(rendered.data).hexdigest(),
            size=len(rendered.data),
            pages=rendered.pages,
            inputs=inputs,
            inputs_sha256=inputs_sha256,
            supersedes=previous,
            reason=_version_reason(previous, inputs, reason),
            rendered_by=actor,
        )
        name = rendering_name(document)
        storage = Document._meta.get_field("file").storage
        if storage.exists(name):
            storage.delete(name)  # left by an attempt whose transaction never committed
        document.file.save(name, ContentFile(rendered.data), save=False)
        document.save()
        if kind == DocumentKind.LETTER and submission.cycle.released_at is not None:
            _queue_messages(document)
        return document, True


def rendering_name(document: Document) -> str:
    return document.file.field.generate_filename(document, "")


def _version_reason(previous: Document | None, inputs: dict, reason: str) -> str:
    if previous is None:
        return reason
    what = ", ".join(changed_inputs(previous.inputs, inputs)) or "inputs"
    changed = f"Changed since version {previous.version}: {what}."
    return f"{reason} ({changed})" if reason else changed


def retry_failed(run: RenderRun, *, actor) -> int:
    """Queue the run's failed jobs again. Returns how many."""
    _require_admin(actor)
    with transaction.atomic():
        ids = list(
            RenderJob.objects.select_for_update()
            .filter(run=run, status=RenderJob.Status.FAILED)
            .values_list("pk", flat=True)
        )
        RenderJob.objects.filter(pk__in=ids).update(
            status=RenderJob.Status.QUEUED, error="", queued_at=timezone.now(), attempts=0
        )
        transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)


def sweep_stuck_jobs(now: datetime | None = None, *, timeout: timedelta = JOB_TIMEOUT) -> int:
    """Queue again the jobs still queued ``timeout`` after they were queued; fail those that
    have had ``MAX_ATTEMPTS``. Returns how many were queued again. (Celery beat runs it.)"""
    now = now or timezone.now()
    stale = RenderJob.objects.filter(status=RenderJob.Status.QUEUED, queued_at__lt=now - timeout)
    with transaction.atomic():
        stale.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=RenderJob.Status.FAILED,
            error=f"Gave up after {MAX_ATTEMPTS} attempts.",
            finished_at=now,
        )
        ids = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True))
        RenderJob.objects.filter(pk__in=ids).update(queued_at=now)
        transaction.on_commit(lambda: _enqueue(ids))
    if ids:
        log.warning("Re-queued %d letter job(s) stuck for over %s.", len(ids), timeout)
    return len(ids)


# --------------------------------------------------------------------------- release


def release_problems(cycle: Cycle) -> list[str]:
    """Why the cycle's letters cannot be released yet (empty when they can)."""
    ratings = current_ratings(cycle)
    if not ratings:
        return ["No CCG of this cycle has a final rating."]
    letters = {
        d.submission_id: d
        for d in Document.objects.filter(
            submission__cycle=cycle, kind=DocumentKind.LETTER, superseded_by__isnull=True
        )
    }
    missing = [pk for pk, rating in ratings.items() if pk not in letters]
    stale = [
        pk for pk, rating in ratings.items() if pk in letters and letters[pk].rating_id != rating.pk
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} CCGs with a final rating have no letter yet.")
    if stale:
        problems.append(f"{len(stale)} letters were rendered before the rating changed.")
    return problems


def schedule_release(cycle: Cycle, *, at: datetime, actor) -> int:
    """Release the cycle's letters and ratings at ``at`` (now or later; held until then).

    Side effects: row lock on the cycle; ``released_at`` set (the phase moves to outcome);
    one pending outbox message per letter in force and accountable officer. May be moved
    while the release is still in the future; refused once it has happened. Returns the
    number of messages added.
    """
    _require_admin(actor)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        # The clock is read under the lock: a release another admin committed while this one
        # waited is then in the past, and refused.
        now = timezone.now()
        if cycle.is_released(now):
            raise LetterError(
                f"The letters of {cycle.label} were released on {when_text(cycle.released_at)}."
            )
        problems = release_problems(cycle)
        if problems:
            raise LetterError(" ".join(problems))
        cycle.released_at = max(at, now)
        cycle.phase = Cycle.Phase.OUTCOME
        cycle.save(update_fields=["released_at", "phase", "updated_at"])
        added = 0
        for document in Document.objects.filter(
            submission__cycle=cycle, kind=DocumentKind.LETTER, superseded_by__isnull=True
        ).select_related("submission__cycle"):
            added += _queue_messages(document)
        return added


def _queue_messages(document: Document) -> int:
    """One pending message per accountable officer of the document's CCG (once each). A
    new version replaces the earlier version's messages that have not gone yet."""
    if document.supersedes_id:
        OutboxMessage.objects.filter(
            document=document.supersedes_id, status=OutboxMessage.Status.PENDING
        ).delete()
    officers = people_of(document.submission, CCGRole.Role.ACCOUNTABLE_OFFICER)
    before = OutboxMessage.objects.filter(document=document).count()
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(document=document, recipient=officer) for officer in officers],
        ignore_conflicts=True,  # bulk_create then returns every row given, added or not
    )
    return OutboxMessage.objects.filter(document=document).count() - before


# --------------------------------------------------------------------------- outbox


def set_held(message: OutboxMessage, *, held: bool, actor) -> OutboxMessage:
    """Hold a message back from sending, or let it go again."""
    _require_admin(actor)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        allowed_from = (
            (OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED)
            if held
            else (OutboxMessage.Status.HELD,)
        )
        if message.status not in allowed_from:
            raise LetterError(f"This message is {message.get_status_display().lower()}.")
        message.status = OutboxMessage.Status.HELD if held else OutboxMessage.Status.PENDING
        message.changed_by = actor
        message.save(update_fields=["status", "changed_by", "updated_at"])
    return message


def send_pending(cycle: Cycle, *, actor=None, include_failed: bool = False) -> int:
    """Queue the pending messages of a released cycle (and failed ones, when asked).
    Returns how many were queued. Before release, nothing goes."""
    _require_admin(actor)
    if not cycle.is_released():
        raise LetterError("The letters are held until the release time.")
    statuses = [OutboxMessage.Status.PENDING]
    if include_failed:
        statuses.append(OutboxMessage.Status.FAILED)
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(of=("self",))
            .filter(messages_of_cycle(cycle), status__in=statuses)
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxMessage.Status.PENDING, error="", changed_by=actor
        )
        transaction.on_commit(lambda: _enqueue_messages(ids))
    return len(ids)


def send_due_messages(now: datetime | None = None) -> int:
    """Beat: queue every pending message of every cycle whose release time has come, and fail
    messages stuck in sending (never resent by themselves). Returns how many were queued."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING, updated_at__lt=now - SENDING_TIMEOUT
    ).update(
        status=OutboxMessage.Status.FAILED,
        error="Interrupted while sending: check with the recipient before sending again.",
    )
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .filter(
            Q(document__submission__cycle__released_at__lte=now)
            | Q(submission__cycle__released_at__lte=now)
        )
        .values_list("pk", flat=True)
    )
    _enqueue_messages(ids)
    return len(ids)


def queue_notices(submission: Submission, recipients, *, key: str, subject: str, body: str):
    """A plain notice about ``submission``'s CCG to each of ``recipients`` (once per ``key``
    and recipient), sent by the outbox's sender like the letters, without an attachment.

    Side effects: one pending ``OutboxMessage`` (kind notice) per recipient not already
    given this key's notice; once the transaction commits, each is queued for sending (the
    beat's ``send_due_messages`` sends any left waiting). Returns the new messages' ids.
    Notices of a cycle not yet released wait for the release, as its letters do.
    """
    before = set(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.NOTICE, key=key).values_list(
            "pk", flat=True
        )
    )
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                kind=OutboxMessage.Kind.NOTICE,
                submission=submission,
                recipient=person,
                key=key,
                subject=subject[:300],
                body=body,
            )
            for person in recipients
        ],
        ignore_conflicts=True,  # one per key and recipient (the database's constraint)
    )
    ids = sorted(
        set(
            OutboxMessage.objects.filter(kind=OutboxMessage.Kind.NOTICE, key=key).values_list(
                "pk", flat=True
            )
        )
        - before
    )
    if ids and submission.cycle.is_released():
        transaction.on_commit(lambda: _enqueue_messages(ids))
    return ids


def _enqueue_messages(ids: Sequence[int]) -> None:
    from letters.tasks import send_message as task

    for message_id in ids:
        task.delay(message_id)


def message_email(message: OutboxMessage) -> EmailMessage:
    """The e-mail as it will go: subject, body and the letter attached (a notice: its stored
    subject and body, nothing attached)."""
    if message.kind == OutboxMessage.Kind.NOTICE:
        return EmailMessage(
            subject=message.subject, body=message.body, to=[message.recipient.email]
        )
    document = message.document
    submission = document.submission
    context = {
        "message": message,
        "document": document,
        "submission": submission,
        "cycle": submission.cycle,
        "rating": document.rating,
        "reissued": document.version > 1,
        "site_url": settings.SITE_URL,
    }
    email = EmailMessage(
        subject=render_to_string("letters/email/letter_subject.txt", context).strip(),
        body=render_to_string("letters/email/letter.txt", context),
        to=[message.recipient.email],
    )
    return email


def send_message(message_id: int) -> bool:
    """Send one e-mail of the outbox (a letter or a notice), at most once: claimed (status
    sending) and committed before the SMTP conversation, marked sent or failed after it.
    Returns True if it went now."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(of=("self",))
            .select_related("document__submission__cycle", "submission__cycle")
            .get(pk=message_id)
        )
        if message.status != OutboxMessage.Status.PENDING:
            return False
        if not message.about.cycle.is_released():
            return False
        message.status = OutboxMessage.Status.SENDING
        message.save(update_fields=["status", "updated_at"])
    message = OutboxMessage.objects.select_related(
        "document__submission__ccg", "document__submission__cycle", "document__rating", "recipient"
    ).get(pk=message_id)
    email = message_email(message)
    try:
        if message.kind == OutboxMessage.Kind.LETTER:
            with message.document.file.open("rb") as pdf:
                email.attach(message.document.filename, pdf.read(), "application/pdf")
        email.send()
    except Exception as error:  # any failure is the admin's to see, and to retry
        OutboxMessage.objects.filter(pk=message_id).update(
            status=OutboxMessage.Status.FAILED, error=str(error)[:2000] or type(error).__name__
        )
        log.warning("Outbox e-mail %s failed: %s", message_id, error)
        return False
    OutboxMessage.objects.filter(pk=message_id).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now(), error=""
    )
    return True


# --------------------------------------------------------------------------- downloads


def record_download(document: Document, user) -> Download:
    return Download.objects.create(document=document, user=user)


def write_zip(documents: Iterable[Document], *, kind_folders: bool = True):
    """A temporary zip file of ``documents`` (``letters/07J.pdf``, ``summaries/07J.pdf``),
    rewound for reading; the caller closes it."""
    archive = tempfile.TemporaryFile()  # noqa: SIM115  (handed to the response, which closes it)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for document in documents:
            folder = "letters" if document.kind == DocumentKind.LETTER else "summaries"
            name = f"{document.submission.ccg.ods_code}.pdf"
            with document.file.open("rb") as pdf:
                bundle.writestr(f"{folder}/{name}" if kind_folders else name, pdf.read())
    archive.seek(0)
    return archive
