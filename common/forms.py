"""Form pieces shared by the apps: the NHS.UK date input (day, month, year boxes)."""

from datetime import date

from django import forms


class DateInputWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        widgets = {
            "day": forms.TextInput(attrs={"inputmode": "numeric"}),
            "month": forms.TextInput(attrs={"inputmode": "numeric"}),
            "year": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateInputField(forms.MultiValueField):
    """Three boxes, one date; errors in the words of the NHS.UK date input guidance."""

    widget = DateInputWidget

    def __init__(self, **kwargs):
        fields = (
            forms.IntegerField(min_value=1, max_value=31),
            forms.IntegerField(min_value=1, max_value=12),
            forms.IntegerField(min_value=1900, max_value=2100),
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def clean(self, value):
        label = (self.label or "date").lower()
        if not value or not any(part not in (None, "") for part in value):
            if self.required:
                raise forms.ValidationError(f"Enter the {label}", code="required")
            return None
        try:
            day, month, year = (int(str(part).strip()) for part in value)
            return date(year, month, day)
        except (TypeError, ValueError):
            raise forms.ValidationError(
                f"The {label} must be a real date, like 27 3 2021", code="invalid"
            ) from None

    def compress(self, data_list):  # clean() does the work
        return data_list
