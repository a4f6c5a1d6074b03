"""A supervisor of several stores filters the complaint list by a department in a real browser:
picking a store offers that store's departments (htmx), and the rows follow."""
import pytest
from playwright.sync_api import expect

from aftersales.tests.factories import DepartmentFactory, StoreFactory
from complaints.tests.test_lists import complaint
from customers.tests.test_browser_customers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_group_supervisor_picks_a_store_then_one_of_its_departments(page, make_user, store_a):
    store_b = StoreFactory(code="b", name="乙店")
    supervisor = make_user("cs_supervisor", [store_a, store_b], username="sup_ab")
    DepartmentFactory(store=store_a, name="机修车间")
    paint = DepartmentFactory(store=store_b, name="钣喷车间")
    routed = complaint(store_b, supervisor, status="assigned", department=paint)
    complaint(store_b, supervisor, status="new")
    log_in(page, "sup_ab")
    page.goto("/complaints/")
    form = page.locator("[data-testid=complaint-filter]")
    departments = form.locator("select[name=department]")
    expect(departments.locator("option")).to_have_text(["请先选择门店"])
    form.locator("select[name=store]").select_option(str(store_b.pk))
    expect(departments.locator("option")).to_have_text(["---------", "钣喷车间"])
    departments.select_option(str(paint.pk))
    rows = page.locator("#complaint-rows")
    expect(rows).to_contain_text(routed.number)
    expect(rows.locator("tbody tr")).to_have_count(1)
