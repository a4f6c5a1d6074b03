import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BoundedModelChoiceField
from aftersales.scoping import for_user

from .models import Customer, CustomerConsent, ServiceDocument, ServiceVisit, Vehicle
from .normalize import clean_mobile_value, clean_text, normalize_plate, normalize_vin
from .uploads import check_upload

# Repair orders offered in a document's select (any of the customer's may be chosen).
DOCUMENT_VISIT_CHOICES = 50

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def clean_plate_value(raw):
    """The normalised plate ("" for none), or a ValidationError in the user's language."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return normalize_plate(raw)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a Chinese plate (e.g. 京A12345, or 京AD12345 for new energy)."),
            params={"value": raw},
        ) from None


MAX_TAGS = 20
TAG_LENGTH = 20
_TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")


def split_tags(raw) -> list[str]:
    """'车友会，VIP, 车友会' → ['车友会', 'VIP']: commas (half or full width), 、 or semicolons
    separate; whitespace is trimmed; repeats go (the first spelling stays)."""
    tags, seen = [], set()
    for part in _TAG_SEPARATORS.split(raw or ""):
        tag = clean_text(part)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


class TagsField(forms.CharField):
    """Tags typed as one line, separated by commas; cleaned to a list."""

    def __init__(self, **kwargs):
        # As a model form's field the ArrayField hands over its base field and size: not ours.
        kwargs.pop("base_field", None)
        kwargs["max_length"] = kwargs.get("max_length") or MAX_TAGS * (TAG_LENGTH + 2)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value):
        tags = split_tags(super().to_python(value))
        if len(tags) > MAX_TAGS:
            raise ValidationError(_("At most %(count)d tags."), params={"count": MAX_TAGS})
        long = [tag for tag in tags if len(tag) > TAG_LENGTH]
        if long:
            raise ValidationError(_("A tag has at most %(length)d characters: %(tag)s"),
                                  params={"length": TAG_LENGTH, "tag": long[0]})
        return tags


class StoreChoiceMixin:
    """Limits the store field to the stores the user works at."""

    def limit_store(self, user):
        from aftersales.models import Store

        self.fields["store"].queryset = for_user(Store.objects.filter(is_active=True), user)
        if self.fields["store"].queryset.count() == 1:
            self.fields["store"].initial = self.fields["store"].queryset.first()


class CustomerForm(StoreChoiceMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "store", "name", "mobile", "gender", "birthday", "address", "source",
            "preferred_language", "do_not_contact", "do_not_contact_reason", "tags", "notes",
        ]
        widgets = {"birthday": DATE, "notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"tags": TagsField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["store"]
        else:
            self.limit_store(user)

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("Enter the customer's name."))
        return name

    def clean_mobile(self):
        raw = self.cleaned_data["mobile"]
        return clean_mobile_value(raw) if raw else ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("do_not_contact") and not cleaned.get("do_not_contact_reason"):
            self.add_error("do_not_contact_reason", _("Say why the customer must not be contacted."))
        return cleaned

    def save(self, commit=True):
        customer = super().save(commit=False)
        if customer.do_not_contact and not customer.do_not_contact_since:
            from django.utils import timezone

            customer.do_not_contact_since = timezone.now()
        if not customer.do_not_contact:
            customer.do_not_contact_since = None
            customer.do_not_contact_reason = ""
        if "mobile" in self.changed_data:
            # A corrected number is worth calling again.
            customer.mobile_reported_wrong_at = None
        if commit:
            customer.save()
        return customer


class MileageConfirmForm(forms.Form):
    """A lower mileage than on file is usually a typo; it is accepted only when confirmed."""

    # Hidden until a lower reading is submitted: the question makes no sense before.
    confirm_lower_mileage = forms.BooleanField(
        label=_("Yes, the mileage is lower than on file"), required=False, widget=forms.HiddenInput
    )

    def check_mileage(self, mileage, on_file):
        if mileage is not None and on_file is not None and mileage < on_file:
            self.fields["confirm_lower_mileage"].widget = forms.CheckboxInput()
            if not self.cleaned_data.get("confirm_lower_mileage"):
                self.add_error(
                    "mileage",
                    _(
                        "The mileage on file is %(on_file)s km; %(mileage)s km is lower. "
                        "Tick the confirmation if the odometer was replaced or the record was wrong."
                    )
                    % {"on_file": on_file, "mileage": mileage},
                )


class VehicleForm(MileageConfirmForm, forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = [
            "plate", "vin", "brand", "model", "model_year", "colour", "purchase_date", "bought_here",
            "warranty_end", "compulsory_insurance_due", "commercial_insurance_due", "mileage",
        ]
        widgets = {
            "purchase_date": DATE,
            "warranty_end": DATE,
            "compulsory_insurance_due": DATE,
            "commercial_insurance_due": DATE,
        }

    def clean_plate(self):
        return clean_plate_value(self.cleaned_data["plate"])

    def clean_vin(self):
        raw = self.cleaned_data["vin"]
        if not raw:
            return ""
        try:
            return normalize_vin(raw)
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not a valid VIN: 17 letters and digits without I, O or Q, "
                  "and the check digit (9th character) must match."),
                params={"value": raw},
            ) from None

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("plate") and not cleaned.get("vin") and not self.errors:
            raise ValidationError(_("Give the plate or the VIN."))
        purchase, warranty = cleaned.get("purchase_date"), cleaned.get("warranty_end")
        if purchase and warranty and warranty < purchase:
            self.add_error("warranty_end", _("The warranty cannot end before the purchase date."))
        if self.instance.pk:
            self.check_mileage(cleaned.get("mileage"), self.instance.mileage)
        return cleaned


class ServiceVisitForm(MileageConfirmForm, forms.ModelForm):
    class Meta:
        model = ServiceVisit
        fields = [
            "order_no", "repair_type", "status", "opened_at", "closed_at", "mileage", "advisor",
            "technician_name", "amount", "from_appointment", "work_summary", "declined_work",
        ]
        widgets = {
            "opened_at": DATETIME,
            "closed_at": DATETIME,
            "work_summary": forms.Textarea(attrs={"rows": 2}),
            "declined_work": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, vehicle, **kwargs):
        super().__init__(*args, **kwargs)
        self.vehicle = vehicle
        from django.contrib.auth import get_user_model

        self.fields["advisor"].queryset = get_user_model().objects.filter(
            stores=vehicle.store_id, groups__name="advisor", is_active=True
        ).order_by("full_name")

    def clean_order_no(self):
        order_no = clean_text(self.cleaned_data["order_no"]).upper()
        clash = ServiceVisit.objects.filter(store_id=self.vehicle.store_id, order_no=order_no)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Repair order %(no)s already exists in this store."), params={"no": order_no})
        return order_no

    def clean(self):
        cleaned = super().clean()
        opened, closed = cleaned.get("opened_at"), cleaned.get("closed_at")
        if opened and closed and closed < opened:
            self.add_error("closed_at", _("A repair order cannot close before it opens."))
        if cleaned.get("status") == ServiceVisit.Status.CLOSED and not closed:
            self.add_error("closed_at", _("Give the time the repair order was closed."))
        if closed and cleaned.get("status") == ServiceVisit.Status.OPEN:
            self.add_error("status", _("A repair order with a closing time is closed, not open."))
        self.check_mileage(cleaned.get("mileage"), self.vehicle.mileage if not self.instance.pk else None)
        return cleaned


class TransferForm(forms.Form):
    new_owner_name = forms.CharField(label=_("New owner's name"), max_length=50)
    new_owner_mobile = forms.CharField(label=_("New owner's mobile"), max_length=20)
    transferred_on = forms.DateField(label=_("Transfer date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_new_owner_mobile(self):
        return clean_mobile_value(self.cleaned_data["new_owner_mobile"])


class MergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        label=_("Duplicate record to merge into this one"), queryset=Customer.objects.none(),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = candidates
        self.fields["duplicate"].label_from_instance = lambda c: _(
            "%(name)s · %(mobile)s · %(visits)s visits · on file since %(since)s"
        ) % {
            "name": c.name, "mobile": c.masked_mobile or "—", "visits": c.visit_count,
            "since": c.created_at.date(),
        }


class ConsentForm(forms.ModelForm):
    """Written on the customer page by `templates/partials/form_fields.html`, with Bootstrap's
    classes on its widgets (through crispy it cost the page 1.5 ms of its 20)."""

    class Meta:
        model = CustomerConsent
        fields = ["channel", "granted", "method", "note"]
        widgets = {
            "channel": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "granted": forms.Select(choices=[(True, _("Agreed")), (False, _("Refused"))],
                                    attrs={"class": "form-select form-select-sm"}),
            "method": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "note": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        }


class DocumentForm(forms.ModelForm):
    class Meta:
        model = ServiceDocument
        fields = ["kind", "visit", "file"]
        field_classes = {"visit": BoundedModelChoiceField}

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        # Any of the customer's repair orders may be named; the select shows the latest.
        visits = customer.service_visits.order_by("-opened_at", "-id")
        self.fields["visit"].offer(visits, visits[:DOCUMENT_VISIT_CHOICES])
        self.fields["visit"].required = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = check_upload(upload)
        return upload
