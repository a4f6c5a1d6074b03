"""The staff lists' filter in a real browser: at 1280 px, in both languages, a date range keeps
to its own column."""
import pytest

from customers.tests.test_browser_customers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_call_list_s_due_range_does_not_run_under_the_next_field(page, personas, language):
    manager = personas["manager"]
    manager.language = language
    manager.save(update_fields=["language"])
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "manager_a")
    page.goto("/visits/calls/")
    last_date = page.locator("[data-testid=list-filter] input[type=date]").last.bounding_box()
    status = page.locator("[data-testid=list-filter] select[name=status]").bounding_box()
    side_by_side = abs(last_date["y"] - status["y"]) < last_date["height"]
    assert not side_by_side or last_date["x"] + last_date["width"] <= status["x"]
