"""The D-2 confirmation call and the rebook call, worked in the one callback queue."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import CalendarDay

from visits.models import FollowUp

from .. import capacity
from ..calls import confirmation_day, schedule_confirmation_calls
from ..jobs import mark_no_shows
from ..models import Appointment
from ..services import reschedule
from .factories import SHANGHAI, at, book

# Booked on Monday 1 December for Friday 11 December 2026: the D-2 call is due on Wednesday.
BOOKED = dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
FRIDAY = dt.date(2026, 12, 11)
WEDNESDAY = dt.datetime(2026, 12, 9, 7, tzinfo=SHANGHAI)


def confirmation_calls():
    return FollowUp.objects.filter(rule__trigger="appointment_confirm")


def booked_for_friday(store, by, **kwargs):
    return book(store, by, starts_at=at(FRIDAY, 10), now=BOOKED, **kwargs)


def test_two_working_days_before_skips_the_weekend(store_a):
    assert confirmation_day(store_a, dt.date(2026, 12, 14)) == dt.date(2026, 12, 10)  # Monday → Thursday
    assert confirmation_day(store_a, FRIDAY) == WEDNESDAY.date()


def test_the_d2_call_is_made_once_however_often_and_late_the_job_runs(store_a, personas):
    appointment = booked_for_friday(store_a, personas["advisor"])
    assert schedule_confirmation_calls(now=WEDNESDAY - dt.timedelta(days=1)) == 0  # not yet
    assert schedule_confirmation_calls(now=WEDNESDAY) == 1
    assert schedule_confirmation_calls(now=WEDNESDAY) == 0
    assert schedule_confirmation_calls(now=WEDNESDAY + dt.timedelta(days=1)) == 0  # late: still one
    call = confirmation_calls().get()
    assert (call.due_on, call.expires_on, call.customer_id) == (WEDNESDAY.date(), dt.date(2026, 12, 10),
                                                                  appointment.customer_id)


def test_the_job_reads_the_calendar_once_however_many_appointments_are_ahead(store_a, personas):
    for hour in (9, 10, 11):
        book(store_a, personas["advisor"], starts_at=at(FRIDAY, hour), now=BOOKED)
    book(store_a, personas["advisor"], starts_at=at(dt.date(2026, 12, 14), 10), now=BOOKED)
    with CaptureQueriesContext(connection) as executed:
        assert schedule_confirmation_calls(now=WEDNESDAY) == 3
    calendar_reads = [q for q in executed.captured_queries if CalendarDay._meta.db_table in q["sql"]]
    assert len(calendar_reads) == 1


def test_a_job_that_missed_wednesday_makes_the_call_on_thursday(store_a, personas):
    booked_for_friday(store_a, personas["advisor"])
    assert schedule_confirmation_calls(now=WEDNESDAY + dt.timedelta(days=1)) == 1


def test_moving_the_appointment_cancels_its_old_call_and_the_new_time_gets_its_own(store_a, personas):
    advisor = personas["advisor"]
    appointment = booked_for_friday(store_a, advisor)
    schedule_confirmation_calls(now=WEDNESDAY)
    reschedule(appointment, by=advisor, starts_at=at(FRIDAY, 15), now=WEDNESDAY)
    assert confirmation_calls().get().status == FollowUp.Status.CANCELLED


def record(client, call, **data):
    return client.post(reverse("visits:record_call", args=[call.pk]), {"outcome": "reached", "note": "", **data})


def test_the_agent_confirms_from_the_call_screen(client, store_a, personas):
    appointment = booked_for_friday(store_a, personas["advisor"])
    schedule_confirmation_calls(now=WEDNESDAY)
    call = confirmation_calls().get()
    client.force_login(personas["cs_agent"])
    screen = client.get(reverse("visits:call", args=[call.pk]))
    assert 'data-testid="call-result"' in screen.content.decode()
    assert record(client, call, call_result="confirm").status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    call.refresh_from_db()
    assert call.status == FollowUp.Status.DONE


def test_the_customer_wants_another_time_moved_from_the_call_screen(client, store_a, personas):
    appointment = booked_for_friday(store_a, personas["advisor"])
    schedule_confirmation_calls(now=WEDNESDAY)
    call = confirmation_calls().get()
    client.force_login(personas["cs_agent"])
    later = at(FRIDAY + dt.timedelta(days=1), 11)
    record(client, call, call_result="other_time", new_time=f"{later:%Y-%m-%dT%H:%M}")
    appointment.refresh_from_db()
    assert appointment.starts_at == later and appointment.version == 2


def test_an_answer_that_cannot_be_done_records_nothing(client, store_a, personas):
    appointment = booked_for_friday(store_a, personas["advisor"])
    schedule_confirmation_calls(now=WEDNESDAY)
    call = confirmation_calls().get()
    client.force_login(personas["cs_agent"])
    page = record(client, call, call_result="other_time", new_time="")
    assert page.status_code == 400
    call.refresh_from_db()
    assert call.status == FollowUp.Status.PENDING and not call.attempts.exists()
    appointment.refresh_from_db()
    assert appointment.version == 1


def test_the_customer_cancels_on_the_call(client, store_a, personas):
    appointment = booked_for_friday(store_a, personas["advisor"])
    schedule_confirmation_calls(now=WEDNESDAY)
    client.force_login(personas["cs_agent"])
    record(client, confirmation_calls().get(), call_result="cancels", note="出差")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_a_no_show_puts_a_rebook_call_in_the_queue_once(store_a, personas):
    appointment = booked_for_friday(store_a, personas["advisor"])
    mark_no_shows(now=at(FRIDAY, 12))
    mark_no_shows(now=at(FRIDAY, 13))
    call = FollowUp.objects.get(rule__trigger="no_show_rebook")
    assert call.customer_id == appointment.customer_id and call.due_on == FRIDAY
