from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .metrics import FIGURES, UNIT_LABELS
from .targets import DEFAULT_TARGETS

# The figures a manager sets targets for on the page (every figure may have one in the admin).
TARGET_FIGURES = [key for key in FIGURES if key in DEFAULT_TARGETS] + [
    "contact_rate", "average_score", "fixed_right_first_time", "closed_on_time", "time_to_close",
]


class TargetsForm(forms.Form):
    """This month's or next month's targets of one store; an empty field keeps the seed's default."""

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for key in TARGET_FIGURES:
            figure = FIGURES[key]
            value, source = current.get(key, (None, ""))
            maximum = Decimal(100) if figure.unit == "percent" else (Decimal(5) if figure.unit == "score" else None)
            self.fields[key] = forms.DecimalField(
                label=f"{figure.label} ({UNIT_LABELS[figure.unit]})", required=False, min_value=0,
                max_value=maximum, max_digits=8, decimal_places=2, initial=value,
                help_text=source or _("no default"),
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.1"}),
            )
