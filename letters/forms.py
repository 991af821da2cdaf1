"""Forms of the letters pages: the cycle's wording, a render request, the release time."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django import forms
from django.utils import timezone

from common.forms import DateInputField
from letters.wording import PLACEHOLDERS, LetterWording, validate_template

# Fields shown as a single line; every other text is a box. Lists are one item per line.
_SHORT = {
    "publishing_reference",
    "telephone",
    "email",
    "salutation",
    "supporting_heading",
    "supporting_lead",
    "valediction",
    "signatory_name",
}
_LABELS = {
    "publishing_reference": ("Publishing approval reference", "Shown in bold at the top left."),
    "sent_via_email": ("Show “Sent via email” at the top left", ""),
    "sender_lines": ("Sender address", "One line per line of the address."),
    "telephone": ("Telephone", ""),
    "email": ("Email address in the sender block", ""),
    "salutation": ("Salutation", ""),
    "subject": ("Subject (in bold)", ""),
    "intro_paragraphs": (
        "Opening paragraphs",
        "Before the CCG's name and its scores. One paragraph per line.",
    ),
    "separate_letters_note": ("Note for officers of several CCGs", ""),
    "scoring_note": ("Where the scoring approach is explained", ""),
    "results_note": ("Where the results are published", "Same paragraph as the one above."),
    "supporting_heading": ("Heading of the improvement section", ""),
    "supporting_intro": ("Improvement section: opening paragraph", ""),
    "supporting_lead": ("Line before the list", ""),
    "supporting_items": (
        "What we will do (list)",
        "One item per line, shown to every CCG.",
    ),
    "amber_offer": (
        "One-to-one improvement session (list item)",
        "Shown only to CCGs rated in the bands below.",
    ),
    "amber_offer_position": (
        "Position of the session in the list",
        "0 puts it first, 1 after the first item, and so on.",
    ),
    "amber_offer_bands": ("Bands offered the session", "One band per line, e.g. Amber."),
    "extra_paragraphs": ("Further paragraphs", "After the list. One paragraph per line."),
    "closing_paragraph": ("Closing paragraph", ""),
    "contact_line": ("Contact line", ""),
    "valediction": ("Valediction", ""),
    "signatory_name": ("Signatory", ""),
    "signatory_title_lines": ("Signatory's title", "One line per line."),
    "footnote": ("RAGG footnote", ""),
}
_NO_PLACEHOLDERS = {"sender_lines", "signatory_title_lines", "amber_offer_bands"}
_MAX_TEXT = 3000


def placeholder_help() -> str:
    return "; ".join(f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items())


class WordingForm(forms.Form):
    """Every field of ``LetterWording``, plus the date printed on the letters and the cycle's
    facts as the letters name them."""

    letter_date = DateInputField(label="Date on the letters", help_text="For example, 25 11 2020")
    framework_name = forms.CharField(
        label="Framework",
        help_text="For example, NHS Oversight Framework",
        max_length=200,
        error_messages={"required": "Enter the framework"},
    )
    indicator_name = forms.CharField(
        label="Indicator",
        help_text="For example, Patient and Community Engagement Indicator",
        max_length=200,
        error_messages={"required": "Enter the indicator"},
    )
    guidance_section = forms.CharField(
        label="Guidance section that explains the scoring",
        help_text="For example, 2.4.1",
        max_length=20,
        error_messages={"required": "Enter the guidance section that explains the scoring"},
    )
    guidance_title = forms.CharField(
        label="Title of that guidance",
        help_text="For example, Guidance for CCGs",
        max_length=200,
        error_messages={"required": "Enter the title of that guidance"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in dataclasses.fields(LetterWording):
            label, help_text = _LABELS[field.name]
            required = {"required": f"Enter {label[:1].lower()}{label[1:]}"}
            if field.type == "bool":
                self.fields[field.name] = forms.BooleanField(label=label, required=False)
            elif field.type == "int":
                self.fields[field.name] = forms.IntegerField(
                    label=label,
                    help_text=help_text,
                    min_value=0,
                    max_value=20,
                    widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-2"}),
                    error_messages=required,
                )
            elif field.type.startswith("tuple"):
                self.fields[field.name] = forms.CharField(
                    label=label,
                    help_text=help_text,
                    required=field.name in {"sender_lines", "supporting_items"},
                    max_length=_MAX_TEXT * 4,
                    widget=forms.Textarea(attrs={"rows": 5}),
                    error_messages=required,
                )
            else:
                self.fields[field.name] = forms.CharField(
                    label=label,
                    help_text=help_text,
                    required=field.name not in {"publishing_reference", "amber_offer"},
                    max_length=_MAX_TEXT,
                    widget=forms.TextInput()
                    if field.name in _SHORT
                    else forms.Textarea(attrs={"rows": 3}),
                    error_messages=required,
                )

    @classmethod
    def initial_from(cls, facts) -> dict:
        """From ``letters.selectors.LetterFacts``."""
        initial: dict[str, object] = {
            "letter_date": facts.letter_date,
            "framework_name": facts.framework_name,
            "indicator_name": facts.indicator_name,
            "guidance_section": facts.guidance_section,
            "guidance_title": facts.guidance_title,
        }
        for field in dataclasses.fields(LetterWording):
            value = getattr(facts.wording, field.name)
            initial[field.name] = "\n".join(value) if isinstance(value, tuple) else value
        return initial

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if not isinstance(value, str) or name in _NO_PLACEHOLDERS or name not in _LABELS:
                continue
            unknown = validate_template(value)
            if unknown:
                braced = ", ".join("{" + item + "}" for item in unknown)
                self.add_error(
                    name,
                    f"{_LABELS[name][0]} uses {braced}, which is not a placeholder. "
                    f"Use only: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                )
        return data

    def facts(self) -> dict[str, str]:
        return {
            name: " ".join(self.cleaned_data[name].split())
            for name in ("framework_name", "indicator_name", "guidance_section", "guidance_title")
        }

    def wording(self) -> LetterWording:
        values: dict[str, object] = {}
        for field in dataclasses.fields(LetterWording):
            value = self.cleaned_data[field.name]
            if field.type.startswith("tuple"):
                value = tuple(line.strip() for line in value.splitlines() if line.strip())
            elif isinstance(value, str):
                value = " ".join(value.split())  # one paragraph: line breaks are spaces
            values[field.name] = value
        return LetterWording(**values)


class RunForm(forms.Form):
    reason = forms.CharField(
        label="Reason (recorded on every new version)",
        help_text="For example, “Rating changed after review”. Optional for the first letters.",
        required=False,
        max_length=500,
        error_messages={"max_length": "The reason must be 500 characters or fewer"},
    )
    ccgs = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    scope = forms.ChoiceField(
        choices=[("all", "All"), ("selected", "Selected")],
        error_messages={"required": "Choose whether to render every CCG or the selected ones"},
    )
    kinds = forms.ChoiceField(
        choices=[
            ("both", "Letters and summaries"),
            ("letter", "Letters only"),
            ("summary", "Summaries only"),
        ],
        initial="both",
        required=False,
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ccgs"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("scope") == "selected" and not data.get("ccgs"):
            self.add_error("ccgs", "Select at least one CCG, or render all")
        return data


class ReleaseForm(forms.Form):
    release_date = DateInputField(label="Release date", help_text="For example, 25 11 2020")
    release_time = forms.TimeField(
        label="Release time",
        help_text="24-hour clock, UK time, for example 09:00",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "nhsuk-input--width-5"}
        ),
        error_messages={
            "required": "Enter the release time",
            "invalid": "Enter the release time as hours and minutes, like 09:00",
        },
    )

    def clean(self):
        data = super().clean()
        day, time = data.get("release_date"), data.get("release_time")
        if day and time:
            at = timezone.make_aware(dt.datetime.combine(day, time))
            if at < timezone.now() - dt.timedelta(minutes=5):
                self.add_error("release_date", "The release must be now or in the future")
            data["release_at"] = at
        return data
