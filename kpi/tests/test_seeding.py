"""The demo data gives the KPI trends 13 months to show, once."""
import pytest
from django.core.management import call_command

from aftersales.models import Store
from appointments.models import Appointment
from kpi import selectors
from kpi.models import MysteryShopperCheck
from visits.models import CareOccasion

pytestmark = pytest.mark.django_db
# Figures whose every month of the demo's history has something to show (calls and complaints,
# appointments, customer care); others (surveys, dissatisfactions) come and go with the calls.
WITH_HISTORY = ["return_visit_rate", "complaints", "appointment_rate", "show_rate", "online_share",
                "d2_confirmation_rate", "reminder_conversion", "renewal_rate", "won_back"]


def test_the_demo_charts_have_a_year_of_history_and_a_second_seed_adds_none():
    call_command("seed_demo", verbosity=0)
    store = Store.objects.get(code="bj")
    charts = {chart["key"]: chart for chart in selectors.store_dashboard(store)["charts"]}
    for key in WITH_HISTORY:
        assert len([v for v in charts[key]["values"] if v]) >= 10, key
    counts = (MysteryShopperCheck.objects.count(), Appointment.objects.count(), CareOccasion.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (MysteryShopperCheck.objects.count(), Appointment.objects.count(), CareOccasion.objects.count()) == counts
