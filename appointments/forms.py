import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import User
from customers.models import Vehicle
from customers.normalize import plate_key

from . import capacity
from .models import Appointment, ServiceType

STAFF_SOURCES = [choice for choice in Appointment.Source.choices if choice[0] != Appointment.Source.ONLINE]


def advisors_of(store):
    return (User.objects.filter(stores=store, groups__name="advisor", is_active=True)
            .order_by("full_name", "username"))


class SlotField(forms.DateTimeField):
    """A slot's start as "YYYY-MM-DD HH:MM", read in the store's time zone."""

    def __init__(self, *args, store=None, **kwargs):
        self.store = store
        kwargs.setdefault("input_formats", ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or self.store is None:
            return moment
        return moment.replace(tzinfo=None).replace(tzinfo=capacity.store_zone(self.store))


class BookingForm(forms.Form):
    """Book by plate (the day book, the phone) or for one of a customer's vehicles (the file)."""

    plate = forms.CharField(label=_("Plate"), max_length=12)
    service_type = forms.ModelChoiceField(label=_("Service type"), queryset=ServiceType.objects.none())
    starts_at = SlotField(label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 900}))
    advisor = forms.ModelChoiceField(label=_("Service advisor"), queryset=User.objects.none(), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=STAFF_SOURCES, initial=Appointment.Source.PHONE)
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, store, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store, self.customer = store, customer
        self.fields["service_type"].queryset = ServiceType.objects.filter(store=store, is_active=True)
        self.fields["advisor"].queryset = advisors_of(store)
        self.fields["starts_at"].store = store

    def clean_plate(self):
        key = plate_key(self.cleaned_data["plate"])
        # Only what booking checks and writes (the car's and owner's store and ids).
        vehicles = (Vehicle.objects.filter(store=self.store, plate=key).select_related("owner")
                    .only("store", "owner", "plate", "owner__store"))
        if self.customer is not None:
            vehicles = vehicles.filter(owner=self.customer)
        vehicle = vehicles.first()
        if vehicle is None:
            raise forms.ValidationError(_("No vehicle with this plate in this store's files."))
        self.vehicle = vehicle
        return key


class MoveForm(forms.Form):
    starts_at = SlotField(label=_("New time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 900}))
    advisor = forms.ModelChoiceField(label=_("Service advisor"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("Why"), required=False, max_length=300)

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = advisors_of(store)
        self.fields["starts_at"].store = store


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PlateForm(forms.Form):
    plate = forms.CharField(label=_("Plate"), max_length=12)


def local_input(store, moment):
    return capacity.local(store, moment).strftime("%Y-%m-%dT%H:%M") if isinstance(moment, dt.datetime) else ""


class PartForm(forms.Form):
    part = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(label=pgettext_lazy("spare part", "Part"), max_length=200, required=False)
    expected_on = forms.DateField(label=_("Expected on"), widget=forms.DateInput(attrs={"type": "date"}))
    arrived = forms.BooleanField(label=_("Arrived"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("part") and not (cleaned.get("description") or "").strip():
            self.add_error("description", _("Name the part."))
        return cleaned
