"""Excel exports of filtered lists, written row by row (openpyxl write-only) to a temporary
file and streamed from there, so memory stays flat however long the list."""
import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .normalize import mask_mobile

EXPORT_CHUNK = 2000
# A cell text beginning with one of these is taken as a formula by spreadsheet programs (and by
# openpyxl when it starts with "="): text typed by a customer must never run as one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """`value` for a cell: text that a spreadsheet would read as a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _xlsx_response(filename, title, header, rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    sheet.append(header)
    for row in rows:
        sheet.append([as_text(value) for value in row])
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(spool, as_attachment=True, filename=f"{filename}-{stamp}.xlsx")


def export_customers(queryset, *, full_mobile: bool):
    header = [
        _("Store"), _("Full name"), _("Mobile"), _("Loyalty tier"), _("Visits"), _("Last visit"),
        _("Do not contact"), _("Source"),
    ]
    rows = (
        [
            c.store.code, c.name, c.mobile if full_mobile else mask_mobile(c.mobile),
            c.get_loyalty_tier_display(), c.visit_count,
            timezone.localtime(c.last_visit_at).replace(tzinfo=None) if c.last_visit_at else None,
            _("yes") if c.do_not_contact else "", c.get_source_display(),
        ]
        for c in queryset.select_related("store").iterator(chunk_size=EXPORT_CHUNK)
    )
    return _xlsx_response("customers", _("Customers"), header, rows)


def export_visits(queryset):
    header = [
        _("Store"), _("Repair order no."), _("Repair type"), _("Status"), _("Opened"), _("Closed"),
        _("Customer"), _("Plate"), _("VIN"), _("Mileage (km)"), _("Service advisor"),
        _("Technician"), _("Amount (yuan)"), _("Came from an appointment"), _("Declined work"),
    ]

    def local(value):
        return timezone.localtime(value).replace(tzinfo=None) if value else None

    rows = (
        [
            v.store.code, v.order_no, v.get_repair_type_display(), v.get_status_display(),
            local(v.opened_at), local(v.closed_at), v.customer.name, v.vehicle.plate, v.vehicle.vin,
            v.mileage, str(v.advisor) if v.advisor else v.advisor_name, v.technician_name,
            v.amount, _("yes") if v.from_appointment else "", v.declined_work,
        ]
        for v in queryset.select_related("store", "customer", "vehicle", "advisor").iterator(
            chunk_size=EXPORT_CHUNK
        )
    )
    return _xlsx_response("repair-orders", _("Repair orders"), header, rows)
