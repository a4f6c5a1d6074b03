import datetime as dt

from django.urls import reverse

from aftersales.messaging.models import OutboundMessage

from ..models import AdvisorNotice, Appointment
from ..parts import order_part, update_part
from ..services import reschedule
from .factories import NOW, TUESDAY, at, book


def test_a_part_expected_after_the_appointment_flags_it_tells_the_advisor_and_the_customer(store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor, advisor=advisor)
    part = order_part(appointment=appointment, description="前刹车片", expected_on=TUESDAY, by=advisor, now=NOW)
    appointment.refresh_from_db()
    assert not appointment.parts_late
    update_part(part=part, by=advisor, expected_on=TUESDAY + dt.timedelta(days=3), now=NOW)
    appointment.refresh_from_db()
    assert appointment.parts_late
    assert AdvisorNotice.objects.filter(appointment=appointment, kind="parts_late").count() == 1
    message = OutboundMessage.objects.get(kind="appointment_parts_late")
    assert "12-12" in message.context["times"] and "12-08" not in message.context["times"]
    # The same date again tells nobody twice.
    update_part(part=part, by=advisor, expected_on=TUESDAY + dt.timedelta(days=3), now=NOW)
    assert OutboundMessage.objects.filter(kind="appointment_parts_late").count() == 1
    assert AdvisorNotice.objects.filter(kind="parts_late").count() == 1


def test_moving_past_the_parts_date_clears_the_flag(store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor)
    order_part(appointment=appointment, description="轮胎", expected_on=TUESDAY + dt.timedelta(days=2), by=advisor,
               now=NOW)
    reschedule(appointment, by=advisor, starts_at=at(TUESDAY + dt.timedelta(days=3), 10), now=NOW)
    appointment.refresh_from_db()
    assert not appointment.parts_late
    assert appointment.timeline.filter(kind="parts_late").count() == 2


def test_the_part_arriving_clears_the_flag(store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor)
    part = order_part(appointment=appointment, description="机油滤芯", expected_on=TUESDAY + dt.timedelta(days=5),
                      by=advisor, now=NOW)
    update_part(part=part, by=advisor, arrived=True, now=NOW)
    appointment.refresh_from_db()
    assert not appointment.parts_late


def test_parts_are_entered_on_the_appointment_page(client, store_a, personas):
    from django.utils import timezone

    from .. import capacity

    advisor = personas["advisor"]
    day = capacity.local(store_a, timezone.now()).date() + dt.timedelta(days=1)
    appointment = book(store_a, advisor, starts_at=at(day, 10), now=timezone.now())
    client.force_login(advisor)
    client.post(reverse("appointments:parts", args=[appointment.pk]),
                {"description": "空调滤芯", "expected_on": (day + dt.timedelta(days=4)).isoformat()})
    appointment.refresh_from_db()
    assert appointment.parts_late
    page = client.get(reverse("appointments:detail", args=[appointment.pk]))
    assert "空调滤芯" in page.content.decode()
    client.force_login(personas["dept_head"])
    assert client.post(reverse("appointments:parts", args=[appointment.pk]),
                       {"description": "x", "expected_on": day.isoformat()}).status_code == 403
    assert Appointment.objects.get().parts.count() == 1
