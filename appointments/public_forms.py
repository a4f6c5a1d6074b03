import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.messaging.verification_forms import CheckCodeForm
from customers.normalize import normalize_plate

from . import capacity
from .models import ServiceType


class VerifyMobileForm(CheckCodeForm):
    pass


def open_days(store, now, days=14):
    plan = capacity.CapacityPlan(store, capacity.local(store, now).date(),
                                 capacity.local(store, now).date() + dt.timedelta(days=days - 1), with_load=False)
    day, result = plan.first, []
    while day <= plan.last:
        if plan.hours(day)[0] is not None:
            result.append(day)
        day += dt.timedelta(days=1)
    return result


class OnlineBookingForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    plate = forms.CharField(label=_("Plate"), max_length=12)
    service_type = forms.ModelChoiceField(label=_("Service type"), queryset=ServiceType.objects.none())
    day = forms.TypedChoiceField(label=_("Day"), coerce=dt.date.fromisoformat, choices=())
    time = forms.ChoiceField(label=_("Time"), choices=(), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, store, now, times=(), new_customer=False, plates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["service_type"].queryset = ServiceType.objects.filter(store=store, is_active=True,
                                                                         bookable_online=True)
        self.fields["day"].choices = [(d.isoformat(), f"{d:%m-%d}") for d in open_days(store, now)]
        self.fields["time"].choices = [("", "—")] + [
            (capacity.local(store, t).strftime("%H:%M"), capacity.local(store, t).strftime("%H:%M")) for t in times]
        self.fields["name"].required = new_customer
        if not new_customer:
            del self.fields["name"]
        if plates:
            self.fields["plate"].widget = forms.TextInput(attrs={"list": "my-plates"})
        self.plates = plates

    def clean_plate(self):
        try:
            return normalize_plate(self.cleaned_data["plate"])
        except ValueError:
            raise forms.ValidationError(_("Enter a Chinese plate, e.g. 京A12345.")) from None

    def starts_at(self):
        data = self.cleaned_data
        if not data.get("time"):
            return None
        hour, minute = map(int, data["time"].split(":"))
        return dt.datetime.combine(data["day"], dt.time(hour, minute), tzinfo=capacity.store_zone(self.store))


class OnlineMoveForm(forms.Form):
    day = forms.TypedChoiceField(label=_("Day"), coerce=dt.date.fromisoformat, choices=())
    time = forms.ChoiceField(label=_("Time"), choices=(), required=False)

    def __init__(self, *args, store, now, times=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["day"].choices = [(d.isoformat(), f"{d:%m-%d}") for d in open_days(store, now)]
        self.fields["time"].choices = [("", "—")] + [
            (capacity.local(store, t).strftime("%H:%M"), capacity.local(store, t).strftime("%H:%M")) for t in times]

    def starts_at(self):
        data = self.cleaned_data
        if not data.get("time"):
            return None
        hour, minute = map(int, data["time"].split(":"))
        return dt.datetime.combine(data["day"], dt.time(hour, minute), tzinfo=capacity.store_zone(self.store))
