"""The appointment list's rows as text cells, for the Jinja2 template that writes them
(`jinja2/appointments/list_rows.html`): fifty rows of eight cells through Django's template
engine, each cell a lookup through the model and its choices, were most of the list's time."""
from dataclasses import dataclass

from django.utils import timezone

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
