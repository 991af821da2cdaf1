"""The good-practice library: examples of good practice that assessors flag, moderators
approve for publication, and every signed-in user reads once the cycle is released.

An assessor flags an example by writing it in a domain's "good practice" box of a
submitted assessment (``assessment.DomainScore.good_practice``); ``GoodPracticeExample``
is the library's record of that flag (one per DomainScore), first ``proposed``, then
``approved`` (with the moderator's title and summary, which are what is published) or
``rejected``. Whether a published example names its CCG is decided by the national admin's
``PublicationConsent`` for that CCG and cycle; every change of consent is kept as a
``ConsentEvent``. All writes go through ``library.services``; reads through
``library.selectors``.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse


class GoodPracticeExample(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    cycle = models.ForeignKey(
        "assessment.Cycle", on_delete=models.PROTECT, related_name="good_practice"
    )
    submission = models.ForeignKey(
        "evidence.Submission", on_delete=models.PROTECT, related_name="good_practice"
    )
    domain = models.ForeignKey("assessment.Domain", on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(
        "assessment.Criterion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The criterion of the domain the example shows best, if one stands out.",
    )
    source = models.OneToOneField(
        "assessment.DomainScore",
        on_delete=models.PROTECT,
        related_name="library_example",
        help_text="The assessor's domain score whose good-practice text flagged this example.",
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    summary = models.TextField(
        blank=True, help_text="The text published: the assessor's, as edited by the moderator."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # Title (weight A) and summary (weight B), English stemming; written by the service that
    # approves, on PostgreSQL only (the embedded SQLite default searches with icontains).
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "pk"]
        indexes = [GinIndex(fields=["search_vector"], name="library_example_search")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="proposed")
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="decided_example_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | ~models.Q(title="") & ~models.Q(summary=""),
                name="approved_example_has_title_and_summary",
            ),
        ]

    def __str__(self):
        return self.title or f"Good practice, domain {self.domain.code}"

    def get_absolute_url(self):
        return reverse("library:example", kwargs={"pk": self.pk})


class PublicationConsent(models.Model):
    """Whether a CCG agreed to be named in the library for a cycle (the admin records it)."""

    ccg = models.ForeignKey("ccgs.CCG", on_delete=models.PROTECT, related_name="+")
    cycle = models.ForeignKey("assessment.Cycle", on_delete=models.PROTECT, related_name="+")
    consented = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ccg", "cycle"], name="one_consent_per_ccg_and_cycle"),
        ]

    def __str__(self):
        return f"{self.ccg} {self.cycle}: {'named' if self.consented else 'not named'}"


class ConsentEvent(models.Model):
    """Append-only: every consent recorded, with who, when and the note."""

    ccg = models.ForeignKey("ccgs.CCG", on_delete=models.PROTECT, related_name="+")
    cycle = models.ForeignKey("assessment.Cycle", on_delete=models.PROTECT, related_name="+")
    consented = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.ccg} {self.cycle}: {self.consented} at {self.recorded_at:%Y-%m-%d %H:%M}"
