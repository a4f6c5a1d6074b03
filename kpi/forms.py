from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .metrics import FIGURES, UNIT_LABELS
from .targets import DEFAULT_TARGETS

# The figures a manager sets targets for on the page (every figure may have one in the admin).
TARGET_FIGURES = [key for key in DEFAULT_TARGETS if key in FIGURES] + [
    "contact_rate", "average_score", "fixed_right_first_time", "closed_on_time", "time_to_close",
]


class TargetsForm(forms.Form):
    """This month's or next month's targets of one store; an empty field keeps the seed's default."""

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for key in TARGET_FIGURES:
            figure = FIGURES[key]
            value, source = current.get(key, (None, ""))
            maximum = {"percent": Decimal(100), "points": Decimal(100), "score": Decimal(5)}.get(figure.unit)
            self.fields[key] = forms.DecimalField(
                label=f"{figure.label} ({UNIT_LABELS[figure.unit]})", required=False, min_value=0,
                max_value=maximum, max_digits=8, decimal_places=2, initial=value,
                help_text=source or _("no default"),
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.1"}),
            )


class MysteryShopperForm(forms.Form):
    advisor = forms.ModelChoiceField(label=_("Service advisor"), queryset=None,
                                     widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=(),
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    checked_on = forms.DateField(label=_("Checked on"), widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control form-control-sm"}))
    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100,
                               widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}))
    passed_items = forms.MultipleChoiceField(label=_("Checklist items passed"), required=False, choices=(),
                                             widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}))

    def __init__(self, *args, advisors, **kwargs):
        from .models import MS_CHECKLIST, MysteryShopperCheck

        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = advisors
        self.fields["kind"].choices = MysteryShopperCheck.Kind.choices
        self.fields["passed_items"].choices = MS_CHECKLIST

    def clean_checked_on(self):
        from django.utils import timezone

        day = self.cleaned_data["checked_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A check cannot be in the future."))
        return day


class CorrectiveActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=200,
                            widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
    figure = forms.ChoiceField(label=_("Figure it should move"), required=False, choices=(),
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    complaint = forms.CharField(label=_("From the complaint (number)"), required=False, max_length=30,
                                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None,
                                   widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    due_on = forms.DateField(label=_("Due"),
                             widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}))

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        self.fields["figure"].choices = [("", "—"), *[(f.key, f.label) for f in FIGURES.values()]]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("figure") and not cleaned.get("complaint"):
            raise forms.ValidationError(_("Name the figure the action should move or the complaint it comes from."))
        return cleaned


class ActionProgressForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=(),
                              widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    note = forms.CharField(label=_("Progress"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}))

    def __init__(self, *args, **kwargs):
        from .models import CorrectiveAction

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = CorrectiveAction.State.choices
