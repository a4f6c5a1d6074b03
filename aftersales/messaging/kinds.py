"""Every kind of message the system sends, with its purpose and the variables its templates
may use. A module adds its kinds here; admins write the wording (MessageTemplate)."""
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    # Asked for by the customer this minute (a verification code): no consent needed.
    TRANSACTIONAL = "transactional", _("Transactional")
    # Part of the service relationship (reminders, call summaries): sent unless the customer
    # opted out or must not be contacted.
    SERVICE = "service", _("Service")
    # Offers and events: only with recorded consent to marketing.
    MARKETING = "marketing", _("Marketing")


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    purpose: str
    variables: frozenset


def _kind(code, label, purpose, *variables):
    return Kind(code, label, purpose, frozenset(variables) | {"store", "store_phone"})


KINDS = {
    kind.code: kind
    for kind in (
        _kind("verification_code", _("Verification code"), Purpose.TRANSACTIONAL, "code", "minutes"),
        _kind("complaint_outcome", _("Complaint outcome"), Purpose.SERVICE, "name", "number", "outcome"),
        _kind("appointment_reminder", _("Appointment reminder"), Purpose.SERVICE, "name", "plate", "time"),
        # Asked for this minute on the online booking page, with the link to see, move or cancel.
        _kind("appointment_booked", _("Appointment booked online"), Purpose.TRANSACTIONAL,
              "name", "plate", "time", "link"),
        # Ordered parts will not be there in time: the nearest free times after they arrive.
        _kind("appointment_parts_late", _("Parts late for an appointment"), Purpose.SERVICE,
              "name", "plate", "time", "times"),
        _kind("maintenance_due", _("Maintenance due"), Purpose.SERVICE, "name", "plate", "due", "link"),
        _kind("insurance_due", _("Insurance renewal"), Purpose.SERVICE, "name", "plate", "due", "link"),
        _kind("birthday", _("Birthday greeting"), Purpose.MARKETING, "name"),
        _kind("holiday", _("Holiday greeting"), Purpose.MARKETING, "name", "holiday"),
        _kind("promotion", _("Promotion"), Purpose.MARKETING, "name", "offer", "link"),
        _kind("daily_call_summary", _("End-of-day call summary"), Purpose.SERVICE, "date", "summary"),
        _kind("weekly_findings", _("Weekly findings for a department"), Purpose.SERVICE,
              "department", "week", "summary"),
        _kind("complaint_overdue", _("Overdue complaints"), Purpose.SERVICE, "count", "summary", "link"),
        _kind("monthly_report", _("Monthly satisfaction report"), Purpose.SERVICE, "month", "scope", "summary",
              "link"),
        _kind("action_overdue", _("Overdue corrective actions"), Purpose.SERVICE, "count", "summary", "link"),
    )
}

KIND_CHOICES = [(kind.code, kind.label) for kind in KINDS.values()]
