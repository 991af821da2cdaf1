"""The form that records a change of an improvement session: the new status and its date.

The form only reads what was typed (real dates, a time of day, a status the session may move
to); whether the dates fit the status is ``support.workflow``'s rule, reported by the service
against the field it concerns.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from common.forms import DateInputField
from support import workflow
from support.models import ImprovementSession
from support.services import MAX_NOTE

# The form's field for each date the workflow names.
FIELD_OF = {"booked_for": "booked_date", "held_on": "held_on", "declined_on": "declined_on"}


class SessionUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="What happened?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what happened to the session",
            "invalid_choice": "Select a status the session can move to",
        },
    )
    booked_date = DateInputField(
        label="Date booked for",
        required=False,
        help_text="If booked: the day of the session, for example 27 3 2021",
    )
    booked_time = forms.TimeField(
        label="Time booked for",
        required=False,
        help_text="If booked: 24-hour clock, UK time, for example 14:00",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "nhsuk-input--width-5"}
        ),
        error_messages={"invalid": "Enter the time booked for as hours and minutes, like 14:00"},
    )
    held_on = DateInputField(
        label="Date held", required=False, help_text="If held, for example 27 3 2021"
    )
    declined_on = DateInputField(
        label="Date declined", required=False, help_text="If declined, for example 27 3 2021"
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the national team's record; not e-mailed.",
        error_messages={"max_length": f"Enter a note of {MAX_NOTE} characters or fewer"},
    )

    def __init__(self, *args, session: ImprovementSession, **kwargs):
        super().__init__(*args, **kwargs)
        moves = workflow.allowed_moves(workflow.Status(session.status))
        labels = dict(ImprovementSession.Status.choices)
        self.fields["status"].choices = [
            (
                move.value,
                "Booked again (a new time)" if move.value == session.status else labels[move],
            )
            for move in moves
        ]

    def clean(self):
        data = super().clean()
        day, time = data.get("booked_date"), data.get("booked_time")
        data["booked_for"] = None
        if data.get("status") == workflow.Status.BOOKED:
            if day and time is None and "booked_time" not in self.errors:
                self.add_error("booked_time", "Enter the time booked for")
            elif time and day is None and "booked_date" not in self.errors:
                self.add_error("booked_date", "Enter the date booked for")
            elif day and time:
                data["booked_for"] = timezone.make_aware(dt.datetime.combine(day, time))
        return data

    def add_rule_errors(self, errors: dict[str, str], message: str) -> None:
        """The service's refusal, against the fields it names (else the whole form)."""
        if not errors:
            self.add_error(None, message)
        for name, text in errors.items():
            self.add_error(FIELD_OF.get(name), text)
