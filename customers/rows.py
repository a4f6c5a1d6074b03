"""The repair-order list's rows as text cells, for the Jinja2 template that writes them
(`jinja2/customers/visit_rows.html`): fifty rows of nine cells through Django's template engine
were the largest part of the list's time (the KPI figures' drill-down to repair orders)."""
from dataclasses import dataclass

from django.utils import formats, timezone

from aftersales.links import url_of


@dataclass(slots=True)
class RepairOrderRow:
    pk: int
    order_no: str
    repair_type_label: str
    status_label: str
    opened_text: str
    customer_url: str
    customer_name: str
    vehicle: str
    advisor_name: str
    amount_text: str


def repair_order_rows(visits) -> list[RepairOrderRow]:
    """`visits` read with their customer, vehicle and advisor."""
    file_url = url_of("customers:detail")
    return [
        RepairOrderRow(
            pk=visit.pk,
            order_no=visit.order_no,
            repair_type_label=str(visit.get_repair_type_display()),
            status_label=str(visit.get_status_display()),
            opened_text=timezone.localtime(visit.opened_at).strftime("%Y-%m-%d %H:%M"),
            customer_url=file_url(visit.customer_id),
            customer_name=visit.customer.name,
            vehicle=str(visit.vehicle),
            advisor_name=str(visit.advisor) if visit.advisor_id else (visit.advisor_name or "—"),
            amount_text=formats.localize(visit.amount),
        )
        for visit in visits
    ]
