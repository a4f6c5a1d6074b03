"""The filtered complaint list as an Excel workbook, written row by row (openpyxl write-only)
and streamed from a temporary file, as the customer exports are: memory stays flat however long
the list. Times are the store's local times; labels are in the user's language."""
import zoneinfo

from django.utils.translation import gettext as _

from customers.exports import EXPORT_CHUNK, _xlsx_response

from .models import Complaint
from .selectors import with_columns


def export_complaints(queryset, *, now):
    header = [
        _("Number"), _("Store"), _("Registered on"), _("Channel"), _("Category"), _("Severity"), _("Status"),
        _("Customer"), _("Plate"), _("Department"), _("Handler"), _("Deadline of the current step"),
        _("Overdue"), _("Closed on"), _("Rounds with the department"), _("Description"), _("Resolution"),
    ]
    # Labels translated once, not once a row.
    channels, categories, severities, statuses = (
        {value: str(label) for value, label in choices.choices}
        for choices in (Complaint.Channel, Complaint.Category, Complaint.Severity, Complaint.Status)
    )
    yes = _("yes")
    zones = {}

    def local(value, zone):
        return value.astimezone(zone).replace(tzinfo=None) if value else None

    def row(c):
        zone = zones.get(c.store.time_zone) or zones.setdefault(c.store.time_zone, zoneinfo.ZoneInfo(c.store.time_zone))
        return [
            c.number, c.store.name, local(c.created_at, zone), channels[c.channel], categories[c.category],
            severities[c.severity], statuses[c.status], c.customer.name, c.plate,
            c.department.display_name if c.department_id else "", str(c.handler) if c.handler_id else "",
            local(c.due_at, zone) if c.is_open else None, yes if c.is_open and c.is_overdue(now) else "",
            local(c.closed_at, zone), c.rounds, c.description, c.resolution,
        ]

    rows = (
        row(complaint)
        for complaint in with_columns(queryset, "closed_at", "description", "resolution")
        .order_by("-created_at", "-id")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    return _xlsx_response("complaints", _("Complaints"), header, rows)
