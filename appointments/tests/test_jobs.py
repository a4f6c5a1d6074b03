import datetime as dt

from aftersales.messaging.models import OutboundMessage

from ..jobs import mark_no_shows, reminder_key, send_reminders
from ..models import AdvisorNotice, Appointment, SlotLoad
from ..services import reschedule
from .factories import NOW, TUESDAY, at, book

MONDAY_NOON = NOW + dt.timedelta(hours=4)


def reminders():
    return OutboundMessage.objects.filter(kind="appointment_reminder")


def test_the_day_before_reminder_is_queued_once_however_often_the_job_runs(store_a, personas):
    appointment = book(store_a, personas["advisor"])
    book(store_a, personas["advisor"], starts_at=at(TUESDAY + dt.timedelta(days=1), 10))  # not tomorrow
    assert send_reminders(now=MONDAY_NOON) == 1
    assert send_reminders(now=MONDAY_NOON + dt.timedelta(hours=1)) == 0
    message = reminders().get()
    assert message.idempotency_key == reminder_key(appointment)
    assert message.context["time"] == "12-08 10:00"


def test_a_late_run_on_the_day_still_reminds_later_appointments(store_a, personas):
    book(store_a, personas["advisor"], starts_at=at(TUESDAY, 15))
    assert send_reminders(now=at(TUESDAY, 9)) == 1


def test_a_moved_appointments_old_reminder_is_never_sent(store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor)
    send_reminders(now=MONDAY_NOON)
    reschedule(appointment, by=advisor, starts_at=at(TUESDAY, 15), now=MONDAY_NOON)
    old = reminders().get(idempotency_key=f"appointment-reminder:{appointment.pk}:v1")
    assert old.status == OutboundMessage.Status.SUPPRESSED
    assert send_reminders(now=MONDAY_NOON) == 1
    appointment.refresh_from_db()
    new = reminders().get(idempotency_key=reminder_key(appointment))
    assert new.status == OutboundMessage.Status.QUEUED and new.context["time"] == "12-08 15:00"


def test_a_cancelled_appointments_reminder_is_withdrawn(store_a, personas):
    appointment = book(store_a, personas["advisor"])
    send_reminders(now=MONDAY_NOON)
    appointment.cancel(by=personas["advisor"], reason="客户取消", now=MONDAY_NOON)
    assert reminders().get().status == OutboundMessage.Status.SUPPRESSED


def test_no_show_after_the_slot_and_grace_frees_the_place_and_tells_the_advisor(store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor, advisor=advisor)
    arrived = book(store_a, advisor)
    arrived.arrive(by=advisor, now=at(TUESDAY, 9, 58))
    assert mark_no_shows(now=at(TUESDAY, 10, 44)) == 0  # 10:15 + 30 minutes not yet passed
    assert mark_no_shows(now=at(TUESDAY, 10, 46)) == 1
    assert mark_no_shows(now=at(TUESDAY, 10, 50)) == 0  # twice: nothing more
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW
    assert SlotLoad.objects.get(starts_at=at(TUESDAY, 10)).used == 1  # the arrived one
    assert AdvisorNotice.objects.filter(appointment=appointment, kind="no_show").exists()


def test_the_no_show_job_run_late_catches_up(store_a, personas):
    book(store_a, personas["advisor"])
    assert mark_no_shows(now=at(TUESDAY + dt.timedelta(days=3), 8)) == 1
