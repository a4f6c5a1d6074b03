"""The customer and repair-order lists' rows as text cells, for the Jinja2 templates that write
them (`jinja2/customers/customer_rows.html`, `visit_rows.html`): fifty rows of six to nine cells
through Django's template engine were the largest part of each list's time (the KPI figures'
drill-downs to customers and to repair orders)."""
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext

from aftersales.links import url_of
from aftersales.phones import mask_mobile


@dataclass(slots=True)
class CustomerRow:
    url: str
    name: str
    do_not_contact: bool
    masked_mobile: str
    store_name: str
    loyalty_tier_label: str
    visit_count: int
    last_visit_text: str


def customer_rows(customers) -> list[CustomerRow]:
    """`customers` read with their store (`selectors.customer_list_source`); dates in the current
    time zone, as Django's `date` filter shows them."""
    file_url = url_of("customers:detail")
    return [
        CustomerRow(
            url=file_url(customer.pk), name=customer.name, do_not_contact=customer.do_not_contact,
            masked_mobile=mask_mobile(customer.mobile), store_name=customer.store.name,
            loyalty_tier_label=str(customer.get_loyalty_tier_display()), visit_count=customer.visit_count,
            last_visit_text=timezone.localtime(customer.last_visit_at).strftime("%Y-%m-%d")
            if customer.last_visit_at else "—",
        )
        for customer in customers
    ]


@dataclass(slots=True)
class SearchResultRow:
    pk: int
    url: str
    name: str
    masked_mobile: str
    loyalty_tier_label: str
    vehicles: list
    store_name: str
    last_visit_text: str


def search_result_rows(customers) -> list[SearchResultRow]:
    """The search box's results (`selectors.customers_for_results`: with their store and cars)."""
    file_url = url_of("customers:detail")
    no_visit = gettext("no visit yet")
    return [
        SearchResultRow(
            pk=customer.pk, url=file_url(customer.pk), name=customer.name,
            masked_mobile=mask_mobile(customer.mobile), loyalty_tier_label=str(customer.get_loyalty_tier_display()),
            vehicles=[f"{vehicle.plate or vehicle.vin} {vehicle.brand} {vehicle.model}"
                      for vehicle in customer.vehicles.all()],
            store_name=customer.store.name,
            last_visit_text=gettext("last visit %(date)s") % {
                "date": timezone.localtime(customer.last_visit_at).strftime("%Y-%m-%d")}
            if customer.last_visit_at else no_visit,
        )
        for customer in customers
    ]


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
