"""Assessment cycles and their framework: domains, criteria and RAGG bands.

A cycle (``2019/20``) is defined by one framework file and loaded by
``assessment.services.load_cycle``. The bands are data of the cycle; the rules that
use them live in ``assessment/scoring.py``. ``bands_version`` goes up whenever the
band table of a cycle changes, so a final rating can record which table it used.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from assessment import scoring, workflow


class Cycle(models.Model):
    class Phase(models.TextChoices):
        SETUP = "setup", "Being set up"
        SUBMISSION = "submission", "Evidence submission"
        ASSESSMENT = "assessment", "Assessment"
        MODERATION = "moderation", "Moderation"
        OUTCOME = "outcome", "Outcome letters"
        CLOSED = "closed", "Closed"

    label = models.CharField(max_length=7, unique=True, help_text="For example 2019/20.")
    slug = models.SlugField(max_length=7, unique=True)
    framework_name = models.CharField(max_length=200)
    indicator_name = models.CharField(max_length=200)
    guidance_section = models.CharField(max_length=20)
    guidance_title = models.CharField(max_length=200)
    framework_version = models.CharField(max_length=40)
    register_year = models.PositiveSmallIntegerField(
        help_text="The April CCG register whose CCGs this cycle assesses."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    submission_opens = models.DateField()
    submission_deadline = models.DateField()
    review_window_days = models.PositiveSmallIntegerField(default=28)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.SETUP)
    bands_version = models.PositiveIntegerField(default=1)
    released_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When final ratings and letters were released to CCGs; reviews may be "
        "requested for review_window_days after it.",
    )
    moderation_sample_percent = models.PositiveSmallIntegerField(
        default=10, help_text="Share of agreed cases moderated anyway, chosen at random."
    )
    moderation_seed = models.PositiveIntegerField(
        null=True, blank=True, help_text="The recorded draw of the random sample."
    )
    source_sha256 = models.CharField(max_length=64, help_text="Of the framework file loaded.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-label"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lt=models.F("period_end")),
                name="cycle_period_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(submission_opens__lte=models.F("submission_deadline")),
                name="cycle_submission_window_in_order",
            ),
        ]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("assessment:cycle_detail", kwargs={"slug": self.slug})

    def band_table(self) -> tuple[scoring.Band, ...]:
        """The cycle's bands as the scoring module's value objects, in score order."""
        return tuple(
            scoring.Band(band.code, band.label, band.minimum, band.maximum)
            for band in self.bands.all()
        )

    @property
    def assessment_due(self):
        """When assessors should have submitted: a fixed period after the evidence deadline."""
        return self.submission_deadline + workflow.ASSESSMENT_PERIOD

    def is_released(self, now=None) -> bool:
        """Ratings and letters are visible outside the national team from ``released_at``."""
        return self.released_at is not None and self.released_at <= (now or timezone.now())

    @property
    def review_window_ends(self):
        if self.released_at is None:
            return None
        return self.released_at + timedelta(days=self.review_window_days)

    def review_window_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        ends = self.review_window_ends
        return ends is not None and self.released_at <= now <= ends

    def submission_is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.submission_opens <= today <= self.submission_deadline


class Domain(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="domains")
    code = models.CharField(max_length=1)
    name = models.CharField(max_length=200)
    summary = models.TextField()

    class Meta:
        ordering = ["cycle", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="domain_code_once_a_cycle"),
            models.CheckConstraint(
                condition=models.Q(code__in=scoring.DOMAIN_CODES), name="domain_code_a_to_e"
            ),
        ]

    def __str__(self):
        return f"Domain {self.code}: {self.name}"


class Criterion(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(max_length=4)
    title = models.CharField(max_length=200)
    description = models.TextField()
    evidence_examples = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name_plural = "criteria"
        ordering = ["domain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "code"], name="criterion_code_once_a_domain"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class RaggBand(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="bands")
    code = models.CharField(max_length=16)
    label = models.CharField(max_length=32)
    minimum = models.PositiveSmallIntegerField()
    maximum = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "RAGG band"
        ordering = ["cycle", "minimum"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="band_code_once_a_cycle"),
            models.CheckConstraint(
                condition=models.Q(minimum__lte=models.F("maximum"), maximum__lte=15),
                name="band_range_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.minimum}-{self.maximum})"


class ConflictDeclaration(models.Model):
    """An assessor's declared conflict of interest with a CCG, an STP or a whole region."""

    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="conflicts")
    ccg = models.ForeignKey(
        "ccgs.CCG", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    stp = models.ForeignKey(
        "ccgs.STP", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(
        "ccgs.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["declared_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(ccg__isnull=False, stp__isnull=True, region__isnull=True)
                    | models.Q(ccg__isnull=True, stp__isnull=False, region__isnull=True)
                    | models.Q(ccg__isnull=True, stp__isnull=True, region__isnull=False)
                ),
                name="conflict_names_exactly_one_of_ccg_stp_region",
            ),
        ]

    def __str__(self):
        return f"{self.assessor}: {self.ccg or self.stp or self.region}"

    @property
    def subject(self):
        return self.ccg or self.stp or self.region


class Assignment(models.Model):
    """An assessor assigned to a CCG's submission; unassigning keeps the row for the record."""

    submission = models.ForeignKey(
        "evidence.Submission", on_delete=models.PROTECT, related_name="assignments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=16, default="manual")  # manual, csv, auto
    unassigned_at = models.DateTimeField(null=True, blank=True)
    unassigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "assessor"],
                condition=models.Q(unassigned_at__isnull=True),
                name="one_active_assignment_per_assessor_and_submission",
            ),
        ]

    def __str__(self):
        return f"{self.assessor} assesses {self.submission}"


class Assessment(models.Model):
    """One assessor's assessment of one submission: findings per criterion, score per domain."""

    Status = models.TextChoices("Status", [(s.name, s.value) for s in workflow.Status])

    submission = models.ForeignKey(
        "evidence.Submission", on_delete=models.PROTECT, related_name="assessments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=workflow.Status.DRAFT.value
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "assessor"], name="one_assessment_per_assessor"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="submitted_assessment_has_a_time",
            ),
        ]

    def __str__(self):
        return f"{self.assessor} on {self.submission}"


class CriterionFinding(models.Model):
    Finding = models.TextChoices("Finding", [(f.name, f.value) for f in workflow.Finding])

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    finding = models.CharField(max_length=16, choices=Finding.choices)
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="one_finding_per_criterion"
            ),
        ]

    def __str__(self):
        return f"{self.criterion.code}: {self.finding}"


class DomainScore(models.Model):
    """The current score of a domain in one assessment; every change is a ``ScoreEvent``."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="domain_scores"
    )
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    improvement_points = models.TextField(blank=True)
    good_practice = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="one_score_per_domain"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=3),
                name="domain_score_0_to_3",
            ),
        ]

    def __str__(self):
        return f"{self.domain.code}: {self.score}"


class ScoreEvent(models.Model):
    """Append-only: every score entered or changed, with who, when, old -> new and why."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="score_events"
    )
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    old_score = models.PositiveSmallIntegerField(null=True, blank=True)
    new_score = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.domain.code}: {self.old_score} -> {self.new_score}"


class AssessmentEvent(models.Model):
    """Append-only history of an assessment's status."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_status} -> {self.to_status}"


class Clarification(models.Model):
    """An assessor's question to the CCG about one criterion, and the lead's answer.

    While it is open, the CCG's lead may add evidence to that criterion only, even
    though the submission is locked. The thread stays with the submission.
    """

    submission = models.ForeignKey(
        "evidence.Submission", on_delete=models.PROTECT, related_name="clarifications"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField()
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "criterion"],
                condition=models.Q(answered_at__isnull=True),
                name="one_open_clarification_per_criterion",
            ),
        ]

    def __str__(self):
        return f"{self.criterion.code}: {self.question[:40]}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class Moderation(models.Model):
    """The moderation of one CCG's submission: agreed scores, a proposal, a second sign-off."""

    Status = models.TextChoices("Status", [(s.name, s.value) for s in workflow.ModerationStatus])

    submission = models.OneToOneField(
        "evidence.Submission", on_delete=models.PROTECT, related_name="moderation"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=workflow.ModerationStatus.OPEN.value
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(proposed_by__isnull=False),
                name="proposed_moderation_has_a_proposer",
            ),
        ]

    def __str__(self):
        return f"Moderation of {self.submission}"


class AgreedScore(models.Model):
    moderation = models.ForeignKey(
        Moderation, on_delete=models.CASCADE, related_name="agreed_scores"
    )
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    reason = models.TextField(blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["moderation", "domain"], name="one_agreed_score"),
            models.CheckConstraint(condition=models.Q(score__lte=3), name="agreed_score_0_to_3"),
        ]

    def __str__(self):
        return f"{self.domain.code}: {self.score}"


class ModerationEvent(models.Model):
    """Append-only history of a moderation: proposals, confirmations, send-backs, agreed scores."""

    moderation = models.ForeignKey(Moderation, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"


class Rating(models.Model):
    """A final RAGG rating. Immutable: the database refuses any update or delete (a trigger);
    a review's outcome is a new rating that ``supersedes`` this one."""

    class Source(models.TextChoices):
        MODERATED = "moderated", "Moderated"
        REVIEW = "review", "Review after release"
        IMPORTED = "imported", "Imported published result"

    submission = models.ForeignKey(
        "evidence.Submission", on_delete=models.PROTECT, related_name="ratings"
    )
    scores = models.JSONField(help_text="Domain code -> final score.")
    total = models.PositiveSmallIntegerField()
    band_code = models.CharField(max_length=16)
    band_label = models.CharField(max_length=32)
    bands_version = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MODERATED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    finalised_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["finalised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission"],
                condition=models.Q(supersedes__isnull=True),
                name="one_original_rating_per_submission",
            ),
            models.CheckConstraint(condition=models.Q(total__lte=15), name="rating_total_0_to_15"),
        ]

    def __str__(self):
        return f"{self.submission}: {self.total} {self.band_label}"


class ReviewRequest(models.Model):
    """An accountable officer's request for a review of a released rating, and its outcome.

    A moderator who took no part in the rating re-moderates; the outcome, upheld or
    changed, is a new Rating that supersedes the old one (which stays in the history).
    """

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Upheld"
        CHANGED = "changed", "Changed"

    submission = models.ForeignKey(
        "evidence.Submission", on_delete=models.PROTECT, related_name="reviews"
    )
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="reviews")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    grounds = models.TextField()
    requested_at = models.DateTimeField(default=timezone.now)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    reasons = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    new_rating = models.OneToOneField(
        Rating, on_delete=models.PROTECT, null=True, blank=True, related_name="review_outcome"
    )

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission"],
                condition=models.Q(decided_at__isnull=True),
                name="one_open_review_per_submission",
            ),
        ]

    def __str__(self):
        return f"Review of {self.submission}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None
