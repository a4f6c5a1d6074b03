"""Forms of the complaint pages: registration and the moves of the loop. The moves themselves
(and their role and state checks) are the model's; these forms only say what is missing."""
from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BoundedModelChoiceField
from aftersales.models import Department, User
from customers.models import ServiceVisit
from customers.uploads import check_upload

from .models import Complaint

# The repair orders offered on the registration form: the customer's latest ones.
VISIT_CHOICES = 50
# At most this many files at once (each one is checked by customers.uploads).
MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); cleans to a list, each file
    checked by type, content and size like the customer file's documents."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_FILES:
            raise ValidationError(_("Attach at most %(count)d files at once.") % {"count": MAX_FILES})
        errors, cleaned = [], []
        for upload in files:
            try:
                cleaned.append(super().clean(upload, initial))
                upload.checked_content_type = check_upload(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _files_field(required=False):
    return MultipleFileField(
        label=_("Attachments"), required=required,
        help_text=_("Photos and documents: PDF, JPG, PNG, XLSX or DOCX, up to 10 MB each."),
        error_messages={"required": _("Choose at least one file.")},
    )


class RegistrationForm(forms.Form):
    description = forms.CharField(
        label=_("What the customer complains about"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
        error_messages={"required": _("Write down what the customer complains about.")},
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Complaint.Channel.choices, initial=Complaint.Channel.PHONE)
    category = forms.ChoiceField(
        label=_("Category"), choices=Complaint.Category.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the complaint is about.")},
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Complaint.Severity.choices, initial=Complaint.Severity.GENERAL,
        widget=forms.RadioSelect,
        help_text=_("The third complaint of a customer within 12 months is escalated automatically."),
    )
    visit = BoundedModelChoiceField(
        label=_("Repair order"), queryset=ServiceVisit.objects.none(), required=False,
        empty_label=_("None (not about one repair order)"),
        error_messages={"invalid_choice": _("Choose one of this customer's repair orders.")},
    )
    staff_concerned = forms.CharField(label=_("Staff concerned"), max_length=200, required=False)
    attachments = _files_field()

    def __init__(self, *args, customer, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        latest = customer.service_visits.order_by("-opened_at", "-id").values("pk")[:VISIT_CHOICES]
        offered = Q(pk__in=latest) | Q(pk=visit.pk) if visit is not None else Q(pk__in=latest)
        # Any of the customer's repair orders may be named; the select shows the latest.
        visits = (
            ServiceVisit.objects.filter(customer=customer).select_related("vehicle")
            .order_by("-opened_at", "-id")
        )
        self.fields["visit"].offer(visits, visits.filter(offered))
        self.fields["visit"].label_from_instance = lambda v: (
            f"{v.order_no} · {v.get_repair_type_display()} · {timezone.localtime(v.opened_at):%Y-%m-%d} · {v.vehicle}"
        )
        # One click per choice: the categories and severities side by side.
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page has its own token
        self.helper.layout = Layout(
            "description", "channel", InlineRadios("category"), InlineRadios("severity"), "visit",
            "staff_concerned", "attachments",
        )


def handlers_of(*, store, department_id=None):
    """Who may handle a complaint of `store`: the people of a department and its heads; of one
    department only when `department_id` is given (an id of another store's offers nobody)."""
    people = User.objects.filter(is_active=True, stores=store)
    if department_id is None:
        people = people.filter(Q(department__store=store) | Q(headed_departments__store=store))
    else:
        try:
            department_id = int(department_id)
        except (TypeError, ValueError):
            return User.objects.none()
        people = people.filter(
            Q(department_id=department_id, department__store=store)
            | Q(headed_departments=department_id, headed_departments__store=store)
        )
    return people.select_related("department").distinct().order_by("full_name", "username")


def handler_label(user):
    return f"{user} · {user.department}" if user.department_id else str(user)


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none(),
        error_messages={"required": _("Choose the responsible department."),
                        "invalid_choice": _("Choose a department of this complaint's store.")},
    )
    handler = forms.ModelChoiceField(
        label=_("Handler"), queryset=User.objects.none(), required=False,
        empty_label=_("The department decides"),
        error_messages={"invalid_choice": _("Choose a handler of this store.")},
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, store, handlers_url=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(store=store).order_by("kind", "name")
        if handlers_url:
            # Choosing a department reloads the handler choices with its people (htmx).
            self.fields["department"].widget.attrs.update({
                "hx-get": handlers_url, "hx-trigger": "change", "hx-target": "#id_handler", "hx-swap": "innerHTML",
            })
        # Any of the store's people binds, so that one of another department gets the message
        # naming them and the department (clean) rather than "not a valid choice"; the choices
        # offered are the chosen department's people only.
        self.fields["handler"].queryset = handlers_of(store=store)
        self.fields["handler"].label_from_instance = handler_label
        department_id = self.data.get(self.add_prefix("department")) if self.is_bound else self.initial.get("department")
        offered = handlers_of(store=store, department_id=department_id) if department_id else User.objects.none()
        self.fields["handler"].widget.choices = [("", self.fields["handler"].empty_label)] + [
            (user.pk, handler_label(user)) for user in offered
        ]

    def clean(self):
        cleaned = super().clean()
        department, handler = cleaned.get("department"), cleaned.get("handler")
        if department and handler and handler.department_id != department.pk and department.head_id != handler.pk:
            self.add_error("handler", _("%(handler)s does not work in %(department)s.") % {
                "handler": handler, "department": department,
            })
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is cancelled"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the complaint is cancelled.")},
    )
    duplicate_of = forms.CharField(
        label=_("Duplicate of (number)"), max_length=30, required=False,
        help_text=_("The number of the original complaint, if this one repeats it."),
    )

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why the complaint is cancelled."))
        return reason

    def clean_duplicate_of(self):
        number = self.cleaned_data["duplicate_of"].strip().upper()
        if not number:
            return None
        original = (
            Complaint.objects.filter(store_id=self.complaint.store_id, number=number)
            .exclude(pk=self.complaint.pk).first()
        )
        if original is None:
            raise ValidationError(_("There is no other complaint %(number)s at this store.") % {"number": number})
        return original


class AnswerForm(forms.Form):
    investigation = forms.CharField(
        label=_("Investigation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what the investigation found.")},
    )
    root_cause = forms.CharField(
        label=_("Root cause"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the root cause.")},
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the corrective action.")},
    )
    resolution = forms.CharField(
        label=_("Proposed resolution"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the resolution proposed to the customer.")},
    )


SATISFIED_CHOICES = [
    ("yes", _("Satisfied: close the complaint")),
    ("no", _("Not satisfied: back to the department")),
]


class CallbackForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Is the customer satisfied?"), choices=SATISFIED_CHOICES, widget=forms.RadioSelect,
        coerce=lambda value: value == "yes",
        error_messages={"required": _("Say whether the customer is satisfied.")},
    )
    customer_words = forms.CharField(
        label=_("The customer's words"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("satisfied") is False and not cleaned.get("customer_words", "").strip():
            self.add_error("customer_words", _("Write down what the customer still finds wrong."))
        return cleaned


class AttachmentForm(forms.Form):
    files = _files_field(required=True)
