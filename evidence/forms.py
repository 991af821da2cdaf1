"""Forms of evidence submission. Validation only: the services decide and write."""

from django import forms
from django.core.validators import URLValidator

from common.forms import DateInputField


class NarrativeForm(forms.Form):
    text = forms.CharField(
        label="What did you do, and what difference did it make?",
        help_text="Describe your CCG's public involvement in this domain during the year "
        "assessed, and its impact. You can save and come back later.",
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=10_000,
        required=False,
        error_messages={"max_length": "The narrative must be 10,000 characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class LinkForm(forms.Form):
    url = forms.URLField(
        label="Web address of the page",
        help_text="A page on your CCG's website, starting with https://",
        max_length=2000,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        error_messages={
            "required": "Enter the web address of the page",
            "invalid": "Enter a web address that starts with https:// or http://",
        },
    )
    description = forms.CharField(
        label="Describe this evidence",
        help_text=(
            "For example, 'Governing body minutes, March 2020, item 7'. Up to 500 characters."
        ),
        max_length=500,
        error_messages={"required": "Describe this evidence"},
    )


class FileForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text="PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, CSV or text. "
        "Up to 25 MB.",
        allow_empty_file=True,  # evidence.filecheck refuses it, naming the file
        error_messages={"required": "Select a file to upload"},
    )
    description = forms.CharField(
        label="Describe this evidence",
        help_text="For example, 'Annual report 2019/20, pages 12 to 15'. Up to 500 characters.",
        max_length=500,
        error_messages={"required": "Describe this evidence"},
    )


class ReplaceFileForm(forms.Form):
    file = forms.FileField(
        label="Upload the new version",
        help_text="The earlier version is kept in the file's history.",
        allow_empty_file=True,  # evidence.filecheck refuses it, naming the file
        error_messages={"required": "Select a file to upload"},
    )


class ExtensionForm(forms.Form):
    until = DateInputField(
        label="New deadline",
        help_text="For example, 15 8 2020. The CCG can edit until the end of this day.",
    )
    reason = forms.CharField(
        label="Reason for the extension",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter the reason for the extension"},
    )
