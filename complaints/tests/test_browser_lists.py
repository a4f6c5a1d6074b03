"""A supervisor's complaint list in a real browser: overdue ones first and red, a filter that
swaps the rows in place, and the triage board from the menu."""
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.tests.factories import CustomerFactory, make_complaint
from complaints.models import Complaint
from customers.tests.test_browser_customers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_filters_the_list_and_sees_overdue_ones_first_in_red(page, personas, store_a):
    supervisor = personas["cs_supervisor"]
    make_complaint(store=store_a, by=supervisor, customer=CustomerFactory(store=store_a, name="欧阳娜娜"),
                   category="price")
    late = make_complaint(store=store_a, by=supervisor, customer=CustomerFactory(store=store_a, name="司马相如"))
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=3))
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, "cs_supervisor_a")

    page.click("[data-nav-group=complaints]")
    page.click("[data-nav=complaints]")
    rows = page.locator("[data-testid=complaint]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("司马相如")
    expect(rows.first).to_have_class("complaint-overdue")
    # The red comes from the stylesheet, not from an inline style.
    assert rows.first.locator("td").first.evaluate("cell => getComputedStyle(cell).color") != (
        rows.nth(1).locator("td").first.evaluate("cell => getComputedStyle(cell).color")
    )

    page.select_option("#id_category", "price")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("欧阳娜娜")
    assert "category=price" in page.url
    # The export button follows the filter.
    expect(page.locator("[data-testid=complaint-export]")).to_have_attribute("href", re.compile("category=price"))

    page.click("[data-nav-group=complaints]")
    page.click("[data-nav=triage]")
    expect(page.locator("[data-testid=step-new] [data-testid=count]")).to_have_text("2")
    expect(page.locator("[data-testid=triage-overdue]")).to_contain_text("司马相如")
    assert errors == []


def test_a_word_typed_into_the_search_box_leaves_the_complaints_that_hold_it(page, personas, store_a):
    supervisor = personas["cs_supervisor"]
    make_complaint(store=store_a, by=supervisor, customer=CustomerFactory(store=store_a, name="欧阳娜娜"),
                   description="钣喷后车门颜色与原车有色差")
    make_complaint(store=store_a, by=supervisor, customer=CustomerFactory(store=store_a, name="司马相如"),
                   description="更换刹车片后刹车时有尖锐异响")
    log_in(page, "cs_supervisor_a")
    page.click("[data-nav-group=complaints]")
    page.click("[data-nav=complaints]")
    rows = page.locator("[data-testid=complaint]")
    expect(rows).to_have_count(2)

    page.fill("#id_words", "色差")
    page.press("#id_words", "Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("欧阳娜娜")
    assert "words=" in page.url
