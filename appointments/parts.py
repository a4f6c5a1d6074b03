"""Parts on order for an appointment: when an expected date moves past the appointment's day
the advisor is told, the customer gets an SMS with the nearest free times after the parts
arrive, and the appointment shows "parts late" until the dates fit again (or it is moved)."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.messaging.services import queue_message

from . import capacity
from .models import AdvisorNotice, Appointment, AppointmentTransition, IllegalTransition, PartOrder


def _check(appointment, by):
    if by is not None and not by.has_perm("appointments.change_appointment"):
        raise IllegalTransition(_("Your role may not do this."))


@transaction.atomic
def order_part(*, appointment, description, expected_on, by, now=None):
    _check(appointment, by)
    if not description.strip():
        raise IllegalTransition(_("Name the part."))
    part = PartOrder.objects.create(appointment=appointment, description=description.strip(), expected_on=expected_on)
    evaluate(appointment, by=by, now=now)
    return part


@transaction.atomic
def update_part(*, part, by, expected_on=None, arrived=None, now=None):
    """A new expected date (entered by parts staff or imported), or the part arrived."""
    _check(part.appointment, by)
    if expected_on is not None:
        part.expected_on = expected_on
    if arrived is not None:
        part.arrived = arrived
    part.save()
    evaluate(part.appointment, by=by, now=now)
    return part


def evaluate(appointment, *, by=None, now=None):
    """Set or clear "parts late" from the parts' dates; tell the advisor and the customer once
    per appointment version and latest date."""
    now = now or timezone.now()
    current = Appointment.objects.select_for_update(of=("self",)).select_related(
        "store", "customer", "vehicle").get(pk=appointment.pk)
    day = capacity.local(current.store, current.starts_at).date()
    waiting = list(current.parts.filter(arrived=False).values_list("expected_on", flat=True))
    latest = max(waiting, default=None)
    late = current.is_upcoming and latest is not None and latest > day
    if late == current.parts_late:
        if late:
            _tell_customer(current, latest, now)
        return current
    Appointment.objects.filter(pk=current.pk).update(parts_late=late)
    current.parts_late = late
    AppointmentTransition.objects.create(
        appointment=current, actor=by, at=now, kind=AppointmentTransition.Kind.PARTS_LATE,
        note=(_("Parts expected on %(day)s") % {"day": latest}) if late else _("Parts in time again"),
    )
    if late:
        if current.advisor_id:
            AdvisorNotice.objects.create(store_id=current.store_id, advisor_id=current.advisor_id,
                                         appointment=current, kind=AdvisorNotice.Kind.PARTS_LATE, created_at=now)
        _tell_customer(current, latest, now)
    appointment.parts_late = late
    return current


def _tell_customer(appointment, latest, now):
    store = appointment.store
    after = dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(9), tzinfo=capacity.store_zone(store))
    times = capacity.nearest_free(store, max(after, now), hours=appointment.labour_hours, now=now)
    later = [t for t in times if t >= after] or times
    queue_message(
        store=store, kind="appointment_parts_late", customer=appointment.customer,
        idempotency_key=f"appointment-parts-late:{appointment.pk}:v{appointment.version}:{latest.isoformat()}",
        context={"name": appointment.customer.name, "plate": appointment.vehicle.plate,
                 "time": f"{capacity.local(store, appointment.starts_at):%m-%d %H:%M}",
                 "times": "、".join(f"{capacity.local(store, t):%m-%d %H:%M}" for t in sorted(later))},
    )
