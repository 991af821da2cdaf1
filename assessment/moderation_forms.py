"""Forms of moderation: the agreed score of each domain, with its reason; a send-back comment."""

from django import forms

from assessment.forms import SCORE_CHOICES


class AgreedScoresForm(forms.Form):
    def __init__(self, *args, domains=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = list(domains)
        for domain in self.domains:
            self.fields[f"score_{domain.code}"] = forms.TypedChoiceField(
                label=f"Agreed score for domain {domain.code}",
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose the agreed score for domain {domain.code}"},
            )
            self.fields[f"reason_{domain.code}"] = forms.CharField(
                label=f"Reason for domain {domain.code}",
                help_text="Needed when the agreed score differs from either assessor's.",
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
                required=False,
            )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="Why are you sending this rating back?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why you are sending the rating back"},
    )
