"""Forms of assessing a domain: a finding per criterion, then the domain's score and texts."""

from django import forms

from assessment import workflow
from assessment.scoring import DomainScore as Descriptor

SCORE_CHOICES = [(d.value, f"{d.value}: {d.label}") for d in Descriptor]
FINDING_CHOICES = [(f.value, f.label) for f in workflow.Finding]


class DomainAssessmentForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Score for this domain",
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="0 inadequate, 1 requires improvement, 2 good, 3 outstanding.",
    )
    rationale = forms.CharField(
        label="Rationale for the score",
        help_text="Required with a score. Refer to the criteria and the evidence.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
    improvement_points = forms.CharField(
        label="Improvement points",
        help_text="What the CCG should do to improve. These go into its detailed "
        "assessment summary.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    good_practice = forms.CharField(
        label="Examples of good practice",
        help_text="Anything other CCGs could learn from. A moderator may publish it in the "
        "good-practice library, edited and without the CCG's name unless it agrees.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"finding_{criterion.pk}"] = forms.ChoiceField(
                label=f"Is {criterion.code} met?",
                choices=FINDING_CHOICES,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=f"Note on {criterion.code}",
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
                required=False,
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("score") is not None and not cleaned.get("rationale", "").strip():
            self.add_error("rationale", "Give the rationale for your score")
        return cleaned
