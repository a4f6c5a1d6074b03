"""The filtered appointment list as an Excel workbook, streamed (as the customer exports)."""
from django.utils.translation import gettext as _

from customers.exports import EXPORT_CHUNK, _xlsx_response

from . import capacity
from .models import Appointment


def export_appointments(queryset):
    header = [_("Store"), _("Time"), _("Status"), _("Source"), _("Customer"), _("Plate"), _("Service type"),
              _("Labour hours"), _("Service advisor"), _("Confirmed"), _("Arrived"), _("Repair order")]
    statuses = {value: str(label) for value, label in Appointment.Status.choices}
    sources = {value: str(label) for value, label in Appointment.Source.choices}

    def local(store, value):
        return capacity.local(store, value).replace(tzinfo=None) if value else None

    def row(a):
        return [a.store.name, local(a.store, a.starts_at), statuses[a.status], sources[a.source], a.customer.name,
                a.vehicle.plate, a.service_type.name, float(a.labour_hours), str(a.advisor) if a.advisor_id else "",
                local(a.store, a.confirmed_at), local(a.store, a.arrived_at), a.visit.order_no if a.visit_id else ""]

    rows = (row(a) for a in queryset.select_related("store", "customer", "vehicle", "service_type", "advisor", "visit")
            .order_by("-starts_at", "-id").iterator(chunk_size=EXPORT_CHUNK))
    return _xlsx_response("appointments", _("Appointments"), header, rows)
