"""The CCG register: regions, STPs, CCGs and which CCGs existed in which April.

A CCG is known by its ODS code. ``RegisterEntry`` records that the CCG was on the
official ONS list of a given April, with the name and STP of that year; a CCG's
active years are the years it has entries for. A CCG that vanishes between two
lists has merged, and ``successor`` points to the CCG it merged into when that can
be told (see ``ccgs/mergers.py``).
"""

from django.db import models


class Region(models.Model):
    ons_code = models.CharField("ONS code", max_length=9, unique=True)
    ods_code = models.CharField("ODS code", max_length=5)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class STP(models.Model):
    ons_code = models.CharField("ONS code", max_length=9, unique=True)
    ods_code = models.CharField("ODS code", max_length=5, blank=True)
    name = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="stps")

    class Meta:
        verbose_name = "STP"
        verbose_name_plural = "STPs"
        ordering = ["name"]

    def __str__(self):
        return self.name


class CCG(models.Model):
    class SuccessorBasis(models.TextChoices):
        NONE = "", "Not known"
        STP = "stp", "Only new CCG in its STP the next April"
        NAME = "name", "Inferred from the names"
        RECORDED = "recorded", "Recorded merger"
        MANUAL = "manual", "Set by a national admin"

    ods_code = models.CharField("ODS code", max_length=5, unique=True)
    ons_code = models.CharField("ONS code", max_length=9)
    name = models.CharField(max_length=200, help_text="The name on the latest register.")
    stp = models.ForeignKey(STP, on_delete=models.PROTECT, related_name="ccgs", verbose_name="STP")
    successor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text="The CCG this one merged into.",
    )
    successor_basis = models.CharField(
        max_length=16, choices=SuccessorBasis.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = "CCG"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def region(self):
        return self.stp.region


class RegisterEntry(models.Model):
    ccg = models.ForeignKey(CCG, on_delete=models.CASCADE, related_name="register_entries")
    year = models.PositiveSmallIntegerField(help_text="The April of the ONS list.")
    name = models.CharField(max_length=200)
    ons_code = models.CharField("ONS code", max_length=9)
    stp = models.ForeignKey(STP, on_delete=models.PROTECT, related_name="register_entries")

    class Meta:
        verbose_name_plural = "register entries"
        ordering = ["year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ccg", "year"], name="register_entry_once_a_year"),
        ]

    def __str__(self):
        return f"{self.ccg.ods_code} in April {self.year}"
