from django import forms
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from customers.forms import TagsField
from customers.models.people import LoyaltyTier

MONTHS = [("", "—")] + [(str(m), str(m)) for m in range(1, 13)]


class SegmentForm(forms.Form):
    """Who a campaign goes to: the store's customers, narrowed by what is chosen."""

    store = forms.ModelChoiceField(label=_("Store"), queryset=None, empty_label=None)
    tiers = forms.MultipleChoiceField(label=_("Loyalty tier"), choices=LoyaltyTier.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    model = forms.CharField(label=_("Model"), max_length=50, required=False)
    last_visit_after = forms.DateField(label=_("Last visit on or after"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
    last_visit_before = forms.DateField(label=_("Last visit before"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))
    warranty = forms.ChoiceField(label=pgettext_lazy("warranty period", "Warranty"), required=False, choices=[
        ("", _("Any")), ("in", _("A car in warranty")), ("out", _("No car in warranty"))])
    marketing_consent = forms.BooleanField(label=_("Only customers who agreed to marketing"), required=False,
                                           initial=True)
    birthday_month = forms.ChoiceField(label=_("Birthday month"), choices=MONTHS, required=False)
    tags = TagsField(label=_("Tags"), help_text=_("Customers with any of these tags, separated by commas."))

    def __init__(self, *args, stores, every_store=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        if every_store:
            # A group campaign, for those who see every store (store scoping shows it to no one else).
            self.fields["store"].required = False
            self.fields["store"].empty_label = _("Every store (a group campaign)")

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("last_visit_after"), cleaned.get("last_visit_before")
        if after and before and after >= before:
            self.add_error("last_visit_before", _("The end must come after the start."))
        return cleaned

    def segment(self):
        data = self.cleaned_data
        segment = {
            "tiers": data["tiers"], "model": data["model"].strip(), "warranty": data["warranty"],
            "marketing_consent": data["marketing_consent"], "birthday_month": data["birthday_month"],
            "tags": data["tags"],
            "last_visit_after": data["last_visit_after"].isoformat() if data["last_visit_after"] else "",
            "last_visit_before": data["last_visit_before"].isoformat() if data["last_visit_before"] else "",
        }
        return {key: value for key, value in segment.items() if value}


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=100)
    text = forms.CharField(label=_("Invitation"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Goes into the message, e.g. 爱车讲堂 this Saturday 10:00, free check-up."))
    send_sms = forms.BooleanField(label=_("Send an SMS"), required=False, initial=True)
    make_calls = forms.BooleanField(label=_("Put a call in the queue"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("send_sms") and not cleaned.get("make_calls"):
            raise forms.ValidationError(_("Choose an SMS, a call, or both."))
        return cleaned

