"""Outcome letters and detailed assessment summaries: their wording, the rendered PDFs,
the bulk render runs that make them, the release e-mails and the download receipts.

* ``LetterSettings``: a cycle's wording (``letters.wording.LetterWording`` as JSON) and the
  date printed on its letters, edited by a national admin.
* ``Document``: one rendered PDF (a letter or a summary) of one CCG's submission, with its
  version, SHA-256 and the SHA-256 of the inputs it was rendered from. Versions of the same
  CCG and kind form a chain (``supersedes``); the newest is the one in force. Rows are
  never updated once written, except nothing: a change of inputs is a new version.
* ``RenderRun`` and ``RenderJob``: a bulk render of a cycle (or a selection), one job row
  per CCG and kind; progress is counted from the job rows, in PostgreSQL, not from Celery.
* ``OutboxMessage``: an e-mail waiting to go: the release e-mail of one letter to one
  accountable officer (kind letter), or a plain notice about one CCG's submission
  (kind notice: its subject and body stored as they will go, no attachment; the
  improvement-support session updates are such notices).
* ``Download``: a receipt for every download of a document.

Every state change is written by ``letters.services``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class LetterSettings(models.Model):
    cycle = models.OneToOneField(
        "assessment.Cycle", on_delete=models.CASCADE, related_name="letter_settings"
    )
    wording = models.JSONField(help_text="letters.wording.LetterWording.as_dict()")
    letter_date = models.DateField(help_text="The date printed on the cycle's letters.")
    # The cycle's facts as the letters name them (from the framework file until edited).
    framework_name = models.CharField(max_length=200)
    indicator_name = models.CharField(max_length=200)
    guidance_section = models.CharField(max_length=20)
    guidance_title = models.CharField(max_length=200)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "letter settings"
        verbose_name_plural = "letter settings"

    def __str__(self):
        return f"Letter wording {self.cycle}"


class DocumentKind(models.TextChoices):
    LETTER = "letter", "Outcome letter"
    SUMMARY = "summary", "Detailed assessment summary"


def document_path(document, filename):
    """Private storage, one folder per cycle and CCG; never a public URL."""
    submission = document.submission
    return (
        f"letters/{submission.cycle.slug}/{submission.ccg.ods_code}/"
        f"{document.kind}-v{document.version}.pdf"
    )


class Document(models.Model):
    Kind = DocumentKind

    submission = models.ForeignKey(
        "evidence.Submission", on_delete=models.PROTECT, related_name="letter_documents"
    )
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    version = models.PositiveSmallIntegerField()
    rating = models.ForeignKey(
        "assessment.Rating", on_delete=models.PROTECT, related_name="letter_documents"
    )
    file = models.FileField(upload_to=document_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    pages = models.PositiveSmallIntegerField()
    inputs = models.JSONField(help_text="What the PDF was rendered from (for the record).")
    inputs_sha256 = models.CharField(max_length=64)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    reason = models.TextField(blank=True, help_text="Why this version replaces the last one.")
    rendered_at = models.DateTimeField(default=timezone.now)
    rendered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["submission", "kind", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "kind", "version"], name="one_document_per_version"
            ),
            models.UniqueConstraint(
                fields=["submission", "kind"],
                condition=models.Q(supersedes__isnull=True),
                name="one_first_version_per_document",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}: {self.submission}"

    @property
    def filename(self) -> str:
        """What the browser saves it as: 07J-2019-20-letter-v1.pdf."""
        submission = self.submission
        return f"{submission.ccg.ods_code}-{submission.cycle.slug}-{self.kind}-v{self.version}.pdf"


class RenderRun(models.Model):
    """One request to render the letters of a cycle, or of a selection of its CCGs."""

    cycle = models.ForeignKey(
        "assessment.Cycle", on_delete=models.CASCADE, related_name="render_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, help_text="Recorded on every new version it makes.")
    source = models.CharField(max_length=16, default="web")  # web, command

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"Render run {self.pk} of {self.cycle}"


class RenderJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERED = "rendered", "Rendered"
        UNCHANGED = "unchanged", "Unchanged (same inputs)"
        FAILED = "failed", "Failed"

    DONE = (Status.RENDERED, Status.UNCHANGED)

    run = models.ForeignKey(RenderRun, on_delete=models.CASCADE, related_name="jobs")
    submission = models.ForeignKey(
        "evidence.Submission", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "submission", "kind"], name="one_job_per_document_and_run"
            ),
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self):
        return f"{self.kind} of {self.submission}: {self.status}"


class OutboxMessage(models.Model):
    """One e-mail to one person: a letter's release e-mail (``document`` attached), or a notice
    (``subject`` and ``body`` as they will go, about ``submission``'s CCG, no attachment).
    ``key`` names what a notice is about (e.g. ``support-event:12``): one notice per key and
    recipient, so a repeated update never queues the same notice twice."""

    class Kind(models.TextChoices):
        LETTER = "letter", "Outcome letter"
        NOTICE = "notice", "Notice"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for release"
        HELD = "held", "Held"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LETTER)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    # A notice's CCG and cycle (a letter's are its document's).
    submission = models.ForeignKey(
        "evidence.Submission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    key = models.CharField(max_length=100, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="letter_messages"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["document__submission__ccg__name", "recipient__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "recipient"], name="one_message_per_letter_and_officer"
            ),
            models.UniqueConstraint(
                fields=["key", "recipient"],
                condition=models.Q(kind="notice"),
                name="one_notice_per_key_and_recipient",
            ),
            # A letter has its document; a notice has its CCG, a subject and a key instead.
            models.CheckConstraint(
                condition=(
                    models.Q(kind="letter", document__isnull=False, submission__isnull=True)
                    | (
                        models.Q(kind="notice", document__isnull=True, submission__isnull=False)
                        & ~models.Q(subject="")
                        & ~models.Q(key="")
                    )
                ),
                name="outbox_letter_or_notice",
            ),
        ]

    def __str__(self):
        what = self.document if self.kind == self.Kind.LETTER else f"Notice {self.subject!r}"
        return f"{what} to {self.recipient}: {self.status}"

    @property
    def about(self):
        """The submission the message is about (its CCG and cycle)."""
        return self.document.submission if self.kind == self.Kind.LETTER else self.submission


class Download(models.Model):
    """Append-only receipt: who downloaded which document, when."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.user} downloaded {self.document}"
