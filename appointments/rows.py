"""The appointment list's rows as text cells, for the Jinja2 template that writes them
(`jinja2/appointments/list_rows.html`): fifty rows of eight cells through Django's template
engine, each cell a lookup through the model and its choices, were most of the list's time."""
from dataclasses import dataclass
from typing import ClassVar

from django.utils import timezone
from django.utils.translation import gettext

from aftersales.links import url_of


@dataclass(slots=True)
class AppointmentRow:
    url: str
    starts_text: str
    store_name: str
    plate: str
    customer_name: str
    service_type_name: str
    advisor_name: str
    source_label: str
    status_label: str


def appointment_rows(appointments) -> list[AppointmentRow]:
    """`appointments` read with their store, customer, vehicle, advisor and service type
    (`selectors.list_page`); times in the current time zone, as the rest of the page."""
    detail_url = url_of("appointments:detail")
    return [
        AppointmentRow(
            url=detail_url(appointment.pk),
            starts_text=timezone.localtime(appointment.starts_at).strftime("%Y-%m-%d %H:%M"),
            store_name=appointment.store.name,
            plate=appointment.vehicle.plate,
            customer_name=appointment.customer.name,
            service_type_name=appointment.service_type.name,
            advisor_name=str(appointment.advisor) if appointment.advisor_id else "",
            source_label=str(appointment.get_source_display()),
            status_label=str(appointment.get_status_display()),
        )
        for appointment in appointments
    ]


@dataclass(slots=True)
class AppointmentCard:
    """An appointment in the customer file's timeline (customers.timeline), written by
    jinja2/appointments/timeline_card.html."""

    template: ClassVar[str] = "appointments/timeline_card.html"
    url: str
    starts_text: str
    service_type_name: str
    vehicle: str
    source_label: str
    status_label: str
    advisor_name: str
    visit_id: int | None
    visit_order_no: str
    upcoming: bool
    words: dict


def appointment_cards(appointments, context) -> list[AppointmentCard]:
    """The file's appointments (`selectors.customer_appointments`) as timeline cards."""
    detail_url = url_of("appointments:detail")
    words = {"appointment": gettext("Appointment"), "advisor": gettext("Advisor"),
             "repair_order": gettext("Repair order")}
    return [
        AppointmentCard(
            url=detail_url(appointment.pk),
            starts_text=timezone.localtime(appointment.starts_at).strftime("%Y-%m-%d %H:%M"),
            service_type_name=appointment.service_type.name,
            vehicle=str(appointment.vehicle),
            source_label=str(appointment.get_source_display()),
            status_label=str(appointment.get_status_display()),
            advisor_name=str(appointment.advisor) if appointment.advisor_id else "—",
            visit_id=appointment.visit_id,
            visit_order_no=appointment.visit.order_no if appointment.visit_id else "",
            upcoming=appointment.is_upcoming,
            words=words,
        )
        for appointment in appointments
    ]
