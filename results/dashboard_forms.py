"""The national dashboard's filter: NHS region and process stage, by GET (works without
JavaScript). A value that is not one of the choices is a form error, never a server error."""

from django import forms

from results.dashboard import stage_choices


class DashboardFilterForm(forms.Form):
    region = forms.ChoiceField(label="NHS region", required=False)
    stage = forms.ChoiceField(label="Stage", required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All regions"), *((r, r) for r in regions)]
        self.fields["stage"].choices = [("", "Any stage"), *stage_choices()]
        for field in self.fields.values():
            field.widget.attrs["class"] = "nhsuk-select"

    def filters(self) -> dict[str, str]:
        """The valid filters given (an invalid one is left out, and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
