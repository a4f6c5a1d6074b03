"""Forms of the public complaint pages (no login).

Filing takes two steps, each with one submit button (so Enter does what the page says):
`ComplaintDetailsForm` first, whose button asks for the code; then `ComplaintForm`, the same
details (carried as hidden fields and shown as a summary) plus the code, checked last by
`CheckCodeForm` so a mistake elsewhere spends neither a try nor the code.

Never render a bound `ComplaintForm` before `is_valid()` was called: showing its errors would
validate it, which spends a try of the code.
"""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.messaging.verification_forms import CheckCodeForm
from customers.forms import clean_mobile_value, clean_plate_value
from customers.normalize import clean_text

from .models import Complaint
from .online import PURPOSE

DETAILS = ("name", "mobile", "plate", "category", "description")


class ComplaintDetailsForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=50)
    mobile = forms.CharField(
        label=_("Mobile"), max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("We send a verification code to this number."),
    )
    plate = forms.CharField(label=_("Plate"), max_length=20, required=False,
                            help_text=_("Optional, e.g. 京A12345."))
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=[("", _("Choose…")), *Complaint.Category.choices],
    )
    description = forms.CharField(
        label=_("What happened?"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    field_order = DETAILS

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("Please enter your name."))
        return name

    def clean_mobile(self):
        return clean_mobile_value(self.cleaned_data["mobile"])

    def clean_plate(self):
        return clean_plate_value(self.cleaned_data["plate"])

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        if not description:
            raise ValidationError(_("Please describe what happened."))
        return description


class ComplaintForm(CheckCodeForm, ComplaintDetailsForm):
    """The details again (hidden) and the code; valid only with the number's right code."""

    field_order = (*DETAILS, "code")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("purpose", PURPOSE)
        super().__init__(*args, **kwargs)
        for name in DETAILS:
            self.fields[name].widget = forms.HiddenInput()
            self.fields[name].help_text = ""


class StatusRequestForm(forms.Form):
    """Step one of the status page: which complaint, and the number to send the code to."""

    number = forms.CharField(
        label=_("Complaint number"), max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    mobile = forms.CharField(
        label=_("Mobile"), max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("The number you gave with the complaint."),
    )

    def clean_mobile(self):
        return clean_mobile_value(self.cleaned_data["mobile"])


class StatusForm(StatusRequestForm):
    """Step two: the same and the code. Whether they match is decided by the service, which
    answers the same way for every failure."""

    code = forms.CharField(
        label=_("Verification code"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
