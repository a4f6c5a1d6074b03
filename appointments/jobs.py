"""The periodic work of appointments: the D-1 reminder, no-shows, linking repair orders.
Each is safe to run twice and late: what it does is decided by the rows, not by the clock of
its last run."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.services import queue_messages
from aftersales.models import Store

from . import capacity
from .models import SLOT_MINUTES, AdvisorNotice, Appointment, CapacitySettings, IllegalTransition

REMINDER_KIND = "appointment_reminder"
# A reminder less than this before the time is no use; the job then leaves it.
REMINDER_LEAD = dt.timedelta(hours=2)


def reminder_key(appointment):
    """One reminder per appointment and version: a moved appointment gets a new one."""
    return f"appointment-reminder:{appointment.pk}:v{appointment.version}"


def send_reminders(*, now=None):
    """Queue the reminder SMS of every upcoming appointment of tomorrow (each store's own
    day), and of today's later ones a missed run did not remind. Returns how many were
    queued this time (keys already used are skipped by the outbox)."""
    now = now or timezone.now()
    entries = []
    for store in Store.objects.filter(is_active=True):
        tomorrow = capacity.local(store, now).date() + dt.timedelta(days=1)
        _start, end = capacity.day_bounds(store, tomorrow)
        upcoming = (Appointment.objects.filter(store=store, status__in=Appointment.UPCOMING,
                                               starts_at__gt=now + REMINDER_LEAD, starts_at__lt=end)
                    .select_related("customer", "vehicle"))
        for appointment in upcoming:
            entries.append({
                "store": store, "kind": REMINDER_KIND, "customer": appointment.customer,
                "idempotency_key": reminder_key(appointment),
                "context": {"name": appointment.customer.name, "plate": appointment.vehicle.plate,
                            "time": f"{capacity.local(store, appointment.starts_at):%m-%d %H:%M}"},
            })
    before = OutboundMessage.objects.filter(kind=REMINDER_KIND).count()
    queue_messages(entries)
    return OutboundMessage.objects.filter(kind=REMINDER_KIND).count() - before


def withdraw_old_reminders(appointment):
    """A reminder of a time the appointment no longer has must never go out: its queued row
    is suppressed (sent ones are history)."""
    prefix = f"appointment-reminder:{appointment.pk}:"
    (OutboundMessage.objects.filter(idempotency_key__startswith=prefix, status=OutboundMessage.Status.QUEUED)
     .exclude(idempotency_key=reminder_key(appointment) if appointment.is_upcoming else "")
     .update(status=OutboundMessage.Status.SUPPRESSED))


def mark_no_shows(*, now=None):
    """Upcoming appointments whose slot ended more than the store's grace ago become no-shows;
    the advisor is told. Returns how many."""
    now = now or timezone.now()
    count = 0
    graces = dict(CapacitySettings.objects.values_list("store_id", "no_show_grace_minutes"))
    longest = max(graces.values(), default=30)
    late = Appointment.objects.filter(
        status__in=Appointment.UPCOMING,
        starts_at__lt=now - dt.timedelta(minutes=SLOT_MINUTES + min(graces.values(), default=30)),
    ).order_by("starts_at").values_list("pk", "store_id", "starts_at")
    for pk, store_id, starts_at in late.iterator():
        grace = graces.get(store_id, longest)
        if starts_at + dt.timedelta(minutes=SLOT_MINUTES + grace) > now:
            continue
        appointment = Appointment.objects.get(pk=pk)
        with transaction.atomic():
            try:
                appointment.mark_no_show(now=now)
            except IllegalTransition:  # someone marked it arrived meanwhile
                continue
            from .calls import schedule_rebook_call

            schedule_rebook_call(appointment, now=now)
            if appointment.advisor_id:
                AdvisorNotice.objects.create(store_id=store_id, advisor_id=appointment.advisor_id,
                                             appointment=appointment, kind=AdvisorNotice.Kind.NO_SHOW,
                                             created_at=now)
        count += 1
    return count
