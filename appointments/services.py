"""Booking, walk-ins, arrivals and linking repair orders: actions spanning models."""
import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import capacity
from .capacity import BookingRefused, CapacityShort, SlotTaken
from .models import ONE_UPCOMING_PER_VEHICLE, Appointment, AppointmentTransition, WalkIn


def _check_parties(store, customer, vehicle, service_type, advisor):
    if customer.store_id != store.pk or vehicle.store_id != store.pk:
        raise BookingRefused(_("The customer and the vehicle must be of this store."))
    if vehicle.owner_id != customer.pk:
        raise BookingRefused(_("This vehicle is not the customer's."))
    if service_type.store_id != store.pk or not service_type.is_active:
        raise BookingRefused(_("Choose a service type of this store."))
    if advisor is not None and not advisor.stores.filter(pk=store.pk).exists():
        raise BookingRefused(_("The advisor must work at this store."))


def _violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL reported `error` for (psycopg's diagnostics)."""
    diagnostics = getattr(error.__cause__, "diag", None)
    return getattr(diagnostics, "constraint_name", None)


def book(*, store, customer, vehicle, service_type, starts_at, source, by, advisor=None, note="", now=None,
         rules=None):
    """Book a slot, in one transaction: the appointment, its capacity and its first timeline
    row, or nothing. `by` None: the customer booked online (only the online share). `rules`: the
    day's `CapacityPlan` (without load) when the caller has it."""
    now = now or timezone.now()
    online = source == Appointment.Source.ONLINE
    if by is not None and not by.has_perm("appointments.add_appointment"):
        raise BookingRefused(_("Your role may not do this."))
    _check_parties(store, customer, vehicle, service_type, advisor)
    plan = capacity.check_bookable(store, starts_at, now=now, online=online, rules=rules)
    appointment = Appointment(store=store, customer=customer, vehicle=vehicle, service_type=service_type,
                              labour_hours=service_type.labour_hours, advisor=advisor, source=source,
                              starts_at=starts_at, note=note.strip(), created_by=by, created_at=now)
    try:
        with transaction.atomic():
            appointment.save()
            capacity.claim(appointment, online=online, plan=plan)
            AppointmentTransition.objects.create(appointment=appointment, actor=by, at=now,
                                            kind=AppointmentTransition.Kind.BOOKED, to_status=appointment.status,
                                            to_starts_at=starts_at, note=appointment.note)
    except IntegrityError as error:
        # Caught outside the transaction, which is then rolled back whole: no savepoint around
        # the insert for it (two statements less per booking).
        appointment.pk = None
        if _violated_constraint(error) != ONE_UPCOMING_PER_VEHICLE:
            raise
        raise BookingRefused(_("This vehicle already has an upcoming appointment.")) from None
    except CapacityShort as short:
        appointment.pk = None
        raise SlotTaken(short.short, capacity.nearest_free(
            store, starts_at, hours=service_type.labour_hours, online=online,
            advisor_id=advisor.pk if advisor else None, now=now,
        )) from None
    return appointment


def reschedule(appointment, *, by, starts_at, advisor=None, keep_advisor=True, note="", now=None):
    """Move an appointment; a full new slot answers with the nearest free times."""
    from .parts import evaluate

    now = now or timezone.now()
    try:
        with transaction.atomic():
            appointment.reschedule(by=by, starts_at=starts_at, advisor=advisor, keep_advisor=keep_advisor,
                                   note=note, now=now)
            # A new day may suit the parts on order (or no longer).
            evaluate(appointment, by=by, now=now)
            return appointment
    except CapacityShort as short:
        target = advisor if advisor is not None or not keep_advisor else appointment.advisor
        raise SlotTaken(short.short, capacity.nearest_free(
            appointment.store, starts_at, hours=appointment.labour_hours, online=appointment.is_online and by is None,
            advisor_id=target.pk if target else None, now=now,
        )) from None


def record_walk_in(*, store, vehicle, by, advisor=None, service_type=None, now=None):
    """A customer without an appointment, at reception: one step, one row."""
    if not by.has_perm("appointments.receive_appointment"):
        raise BookingRefused(_("Your role may not do this."))
    if vehicle.store_id != store.pk:
        raise BookingRefused(_("The customer and the vehicle must be of this store."))
    return WalkIn.objects.create(store=store, customer_id=vehicle.owner_id, vehicle=vehicle, advisor=advisor,
                                 service_type=service_type, arrived_at=now or timezone.now(), created_by=by)


def arrive_by_plate(*, store, plate, by, now=None):
    """Reception types a plate: today's upcoming appointment of that vehicle is marked arrived.
    None when the vehicle has none today (then it is a walk-in)."""
    from django.db.models import Q

    from customers.normalize import plate_key

    now = now or timezone.now()
    key = plate_key(plate)
    if len(key) < 3:
        return None
    day = capacity.local(store, now).date()
    found = (Appointment.objects.on_day(store, day).filter(status__in=Appointment.UPCOMING)
             .filter(Q(vehicle__plate=key) | Q(vehicle__plate_tail=key)).order_by("starts_at").first())
    if found is None:
        return None
    return found.arrive(by=by, now=now)


def link_repair_orders(*, store=None, since=None, now=None):
    """Link repair orders to the appointments of the same vehicle on the same day (opened here
    or brought by the DMS import). Safe to run again: only unlinked rows are looked at.
    Returns how many were linked."""
    from customers.models import ServiceVisit

    now = now or timezone.now()
    since = since or now - dt.timedelta(days=2)
    linked = 0
    appointments = Appointment.objects.filter(visit__isnull=True, starts_at__gte=since - dt.timedelta(days=1),
                                              status__in=[Appointment.Status.ARRIVED, Appointment.Status.COMPLETED,
                                                          *Appointment.UPCOMING])
    if store is not None:
        appointments = appointments.filter(store=store)
    by_vehicle_day = {}
    for appointment in appointments.select_related("store"):
        by_vehicle_day[(appointment.vehicle_id, capacity.local(appointment.store, appointment.starts_at).date())] = appointment
    if not by_vehicle_day:
        return 0
    vehicle_ids = {vehicle_id for vehicle_id, _day in by_vehicle_day}
    visits = ServiceVisit.objects.filter(vehicle_id__in=vehicle_ids, opened_at__gte=since - dt.timedelta(days=1),
                                         opened_at__lte=now + dt.timedelta(days=1), appointment__isnull=True,
                                         walk_in__isnull=True).select_related("store")
    for visit in visits:
        appointment = by_vehicle_day.get((visit.vehicle_id, capacity.local(visit.store, visit.opened_at).date()))
        if appointment is None or appointment.visit_id:
            continue
        with transaction.atomic():
            updated = Appointment.objects.filter(pk=appointment.pk, visit__isnull=True).update(visit=visit)
            if updated:
                # The repair order says it came from an appointment (the KPIs read it there too).
                ServiceVisit.objects.filter(pk=visit.pk).update(from_appointment=True)
                AppointmentTransition.objects.create(appointment=appointment, kind=AppointmentTransition.Kind.LINKED, at=now,
                                                note=visit.order_no)
                appointment.visit_id = visit.pk
                linked += 1
    return linked
