"""The demo data gives the KPI trends 13 months to show, once."""
import pytest
from django.core.management import call_command

from aftersales.models import Store
from kpi import selectors
from kpi.models import MysteryShopperCheck

pytestmark = pytest.mark.django_db


def test_the_demo_charts_have_a_year_of_history_and_a_second_seed_adds_none():
    call_command("seed_demo", verbosity=0)
    store = Store.objects.get(code="bj")
    charts = {chart["key"]: chart for chart in selectors.store_dashboard(store)["charts"]}
    months_with_calls = [v for v in charts["return_visit_rate"]["values"] if v is not None]
    months_with_complaints = [v for v in charts["complaints"]["values"] if v]
    assert len(months_with_calls) >= 10 and len(months_with_complaints) >= 10
    checks = MysteryShopperCheck.objects.count()
    call_command("seed_demo", verbosity=0)
    assert MysteryShopperCheck.objects.count() == checks
