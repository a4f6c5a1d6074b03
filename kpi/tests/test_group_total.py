"""The group view's "group" column: the stores' counts added up, the same as computing the figures
over every store at once."""
import pytest

from kpi import metrics, selectors
from kpi.metrics import HEADLINE, Period

from .month import build_october

pytestmark = pytest.mark.django_db


def test_the_group_column_is_the_figures_over_every_store_at_once(store_a, store_b, personas):
    build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                  advisor=personas["advisor"])
    october = Period.month(2026, 10)
    stores = [store_a, store_b]
    whole = metrics.compute(store_ids=[s.pk for s in stores], period=october, zone=metrics.zone_of(stores),
                            figures=HEADLINE)
    rows = selectors.group_view(stores, period=october)["rows"]
    assert rows
    for row in rows:
        expected = selectors.month_values(whole, october, [row["figure"].key])[row["figure"].key]
        group = row["group"]
        assert (group.numerator, group.denominator, group.value, group.drill_url) == (
            expected.numerator, expected.denominator, expected.value, expected.drill_url), row["figure"].key
