"""Evidence submissions: one per CCG and cycle, with a narrative per domain and up to
three evidence items (a file or a link) per criterion.

Nothing a lead enters is lost: removing an item marks it removed, replacing a file
adds a revision, and every change appends a ``SubmissionEvent`` (who, when, what).
Status changes go through ``evidence.services.apply_action`` and the transition
table in ``evidence/workflow.py``.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from evidence import workflow


class Submission(models.Model):
    Status = models.TextChoices("Status", [(s.name, s.value) for s in workflow.Status])

    ccg = models.ForeignKey("ccgs.CCG", on_delete=models.PROTECT, related_name="submissions")
    cycle = models.ForeignKey(
        "assessment.Cycle", on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=workflow.Status.DRAFT.value
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extension_until = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "ccg__name"]
        constraints = [
            models.UniqueConstraint(fields=["ccg", "cycle"], name="one_submission_per_ccg_cycle"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="submitted_has_a_time",
            ),
        ]

    def __str__(self):
        return f"{self.ccg} – {self.cycle}"

    def get_absolute_url(self):
        return reverse(
            "evidence:overview", kwargs={"cycle": self.cycle.slug, "ods_code": self.ccg.ods_code}
        )

    @property
    def deadline(self):
        return workflow.effective_deadline(self.cycle.submission_deadline, self.extension_until)

    def is_editable(self, today=None) -> bool:
        return workflow.is_editable(
            self.status,
            today=today or timezone.localdate(),
            deadline=self.cycle.submission_deadline,
            extension_until=self.extension_until,
        )


class SubmissionEvent(models.Model):
    """Append-only history of a submission: never updated or deleted."""

    class Kind(models.TextChoices):
        NARRATIVE_SAVED = "narrative_saved", "Narrative saved"
        EVIDENCE_ADDED = "evidence_added", "Evidence added"
        FILE_REPLACED = "file_replaced", "File replaced"
        EVIDENCE_REMOVED = "evidence_removed", "Evidence removed"
        SUBMITTED = "submitted", "Submitted"
        REOPENED = "reopened", "Returned to draft"
        EXTENSION_GRANTED = "extension_granted", "Extension granted"
        RECEIPT_SENT = "receipt_sent", "Receipt sent"
        REMINDER_SENT = "reminder_sent", "Reminder sent"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class DomainNarrative(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="narratives")
    domain = models.ForeignKey("assessment.Domain", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "domain"], name="one_narrative_per_domain"
            ),
        ]

    def __str__(self):
        return f"Narrative for domain {self.domain.code}"


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Link"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="items")
    criterion = models.ForeignKey(
        "assessment.Criterion", on_delete=models.PROTECT, related_name="evidence_items"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    description = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["criterion__position", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="link") & ~models.Q(url="")
                    | models.Q(kind="file") & models.Q(url="")
                ),
                name="evidence_link_has_url_file_has_none",
            ),
        ]

    def __str__(self):
        return f"{self.criterion.code}: {self.description}"


def evidence_upload_to(instance, filename):
    """A generated name: the original name is data (``display_name``), never a path."""
    submission = instance.item.submission
    extension = PurePosixPath(filename).suffix.lower()
    return (
        f"evidence/{submission.cycle.slug}/{submission.ccg.ods_code}/{uuid.uuid4().hex}{extension}"
    )


class EvidenceFile(models.Model):
    """One revision of an evidence item's file; the newest revision is the current one."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="revisions")
    revision = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=evidence_upload_to, max_length=200)
    display_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["item", "revision"], name="one_file_per_revision"),
        ]

    def __str__(self):
        return f"{self.display_name} (revision {self.revision})"


class ReminderSent(models.Model):
    """A deadline reminder that went out, so that each is sent once."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "days_before"], name="one_reminder_per_threshold"
            ),
        ]

    def __str__(self):
        return f"Reminder {self.days_before} days before"
