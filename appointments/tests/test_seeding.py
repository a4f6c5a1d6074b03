import pytest
from django.core.management import call_command

from ..models import Appointment, AppointmentTransition, WalkIn

pytestmark = pytest.mark.django_db


def test_demo_has_a_week_of_appointments_in_every_state_once(capsys):
    call_command("seed_demo")
    for code in ("bj", "sh"):
        states = set(Appointment.objects.filter(store__code=code).values_list("status", flat=True))
        assert states >= {"booked", "confirmed", "arrived", "completed", "cancelled", "no_show"}
        assert WalkIn.objects.filter(store__code=code).exists()
    assert AppointmentTransition.objects.filter(kind="moved").exists()
    counts = (Appointment.objects.count(), AppointmentTransition.objects.count())
    call_command("seed_demo")
    assert (Appointment.objects.count(), AppointmentTransition.objects.count()) == counts
