"""Forms of the good-practice library: the search (GET), a moderator's decision on a
proposal, and the admin's record of a CCG's consent to be named."""

from django import forms

from library.selectors import Choice

ALL = [("", "All")]


def _choices(items: list[Choice]) -> list[tuple[str, str]]:
    return [(item.code, item.label) for item in items]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the examples",
        help_text="Words from the title or the text, for example “patient panel”.",
        max_length=200,
        required=False,
    )
    domain = forms.ChoiceField(label="Domain", required=False)
    criterion = forms.ChoiceField(label="Criterion", required=False)
    cycle = forms.ChoiceField(label="Cycle", required=False)

    def __init__(self, *args, domains=(), criteria=(), cycles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = ALL + _choices(list(domains))
        self.fields["criterion"].choices = ALL + _choices(list(criteria))
        self.fields["cycle"].choices = ALL + [(c.slug, c.label) for c in cycles]

    def clean(self):
        cleaned = super().clean()
        domain, criterion = cleaned.get("domain"), cleaned.get("criterion")
        if domain and criterion and not criterion.startswith(domain):
            self.add_error("criterion", f"Choose a criterion of domain {domain}, or all criteria")
        return cleaned


class DecisionForm(forms.Form):
    """A moderator's decision on one proposal; the page shows one per proposal, prefixed
    with the example's id so that every field's id is unique on the page."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")],
        error_messages={"required": "Choose whether to approve or reject the example"},
    )
    title = forms.CharField(
        label="Title",
        help_text="A few words other CCGs will search for. Do not name the CCG.",
        max_length=200,
        required=False,
    )
    summary = forms.CharField(
        label="Text to publish",
        help_text="The assessor's words, edited for other CCGs to read. Do not name the CCG: "
        "it is named only if it consents.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
    criterion = forms.TypedChoiceField(
        label="Criterion it shows best (optional)", coerce=int, empty_value=None, required=False
    )
    reason = forms.CharField(
        label="Reason, if you reject it",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, example, **kwargs):
        kwargs.setdefault("prefix", f"example-{example.pk}")
        kwargs.setdefault("initial", {"summary": example.source.good_practice})
        super().__init__(*args, **kwargs)
        self.example = example
        self.criteria = {c.pk: c for c in example.domain.criteria.all()}
        self.fields["criterion"].choices = [("", "None in particular")] + [
            (c.pk, f"{c.code}: {c.title}") for c in self.criteria.values()
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "approve":
            if not cleaned.get("title", "").strip():
                self.add_error("title", "Give the example a title")
            if not cleaned.get("summary", "").strip():
                self.add_error("summary", "Give the text to publish")
        elif cleaned.get("decision") == "reject" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Give the reason for not publishing this example")
        return cleaned

    def chosen_criterion(self):
        return self.criteria.get(self.cleaned_data.get("criterion"))


class ConsentForm(forms.Form):
    ccg = forms.ChoiceField(
        label="CCG",
        error_messages={
            "required": "Choose the CCG",
            "invalid_choice": "Choose a CCG from the list",
        },
    )
    consented = forms.TypedChoiceField(
        label="Has the CCG agreed to be named in the library for this cycle?",
        choices=[("yes", "Yes, name the CCG"), ("no", "No, do not name the CCG")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the CCG agreed to be named"},
    )
    note = forms.CharField(
        label="Note (optional)",
        help_text="For example, who agreed and when.",
        max_length=1000,
        required=False,
    )

    def __init__(self, *args, ccgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ccg"].choices = [("", "Choose a CCG")] + [
            (ccg.ods_code, f"{ccg.name} ({ccg.ods_code})") for ccg in ccgs
        ]
