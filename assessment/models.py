"""Assessment cycles and their framework: domains, criteria and RAGG bands.

A cycle (``2019/20``) is defined by one framework file and loaded by
``assessment.services.load_cycle``. The bands are data of the cycle; the rules that
use them live in ``assessment/scoring.py``. ``bands_version`` goes up whenever the
band table of a cycle changes, so a final rating can record which table it used.
"""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from assessment import scoring


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
