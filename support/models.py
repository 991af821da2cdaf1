"""Improvement support: the one-to-one improvement session a released cycle's letter offers
to the CCGs rated in its offer bands (Amber and Red by default), and its history.

* ``ImprovementSession``: one per submission (CCG x cycle), its status (``support.workflow``)
  and the dates each status records; a check constraint stands behind each status's date.
* ``SessionEvent``: append-only history, one row per change (from, to, the dates, who, when,
  the note); the database refuses updates and deletes (migration ``support/0001``).

Every write is ``support.services``'.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from support.workflow import Status as WorkflowStatus


class SessionStatus(models.TextChoices):
    OFFERED = WorkflowStatus.OFFERED.value, "Offered"
    BOOKED = WorkflowStatus.BOOKED.value, "Booked"
    HELD = WorkflowStatus.HELD.value, "Held"
    DECLINED = WorkflowStatus.DECLINED.value, "Declined"


class ImprovementSession(models.Model):
    Status = SessionStatus

    submission = models.OneToOneField(
        "evidence.Submission", on_delete=models.PROTECT, related_name="improvement_session"
    )
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default="offered")
    offered_on = models.DateField(help_text="By default the day the letter was released.")
    booked_for = models.DateTimeField(null=True, blank=True)
    held_on = models.DateField(null=True, blank=True)
    declined_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="The latest note recorded with a change.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submission__ccg__name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="booked") | models.Q(booked_for__isnull=False),
                name="session_booked_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="held") | models.Q(held_on__isnull=False),
                name="session_held_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | models.Q(declined_on__isnull=False),
                name="session_declined_has_date",
            ),
        ]

    def __str__(self):
        return f"Improvement session of {self.submission}: {self.status}"


class SessionEvent(models.Model):
    """One change of a session, as it was made. Never updated or deleted."""

    session = models.ForeignKey(ImprovementSession, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=16, choices=SessionStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=SessionStatus.choices)
    offered_on = models.DateField()
    booked_for = models.DateTimeField(null=True, blank=True)
    held_on = models.DateField(null=True, blank=True)
    declined_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.session}: {self.from_status or 'new'} -> {self.to_status}"
