"""An agent's morning in a real browser: the queue, "next call", no answer, a later call that
reaches the customer, the survey with one unhappy answer, and the customer's file showing it."""
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.tests.test_browser_customers import log_in
from visits.models import CallAttempt, Dissatisfaction, FollowUp
from visits.services import create_followups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def due_call(store_a):
    customer = CustomerFactory(store=store_a, name="司马相如", mobile="13698765432")
    closed = timezone.now() - dt.timedelta(days=3)
    ServiceVisitFactory(
        vehicle=VehicleFactory(owner=customer, plate="京B66K88"), order_no="RO-2026-0815",
        opened_at=closed - dt.timedelta(hours=5), closed_at=closed, work_summary="更换刹车片",
    )
    create_followups(day=timezone.localdate())
    return FollowUp.objects.get(customer=customer)


def test_agent_works_a_call_from_no_answer_to_an_unhappy_survey(page, personas, due_call):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, "cs_agent_a")
    page.click("[data-nav=queue]")
    expect(page.locator("[data-testid=queue]")).to_contain_text("司马相如")

    page.click("[data-testid=next-call]")
    expect(page.locator("[data-testid=repair-order]")).to_contain_text("RO-2026-0815")
    expect(page.locator("[data-testid=repair-order]")).to_contain_text("更换刹车片")
    expect(page.locator("[data-testid=mobile]")).to_contain_text("136****5432")
    # The survey stays hidden until the customer is reached.
    expect(page.locator("[data-testid=survey]")).to_be_hidden()
    page.check("input[name=outcome][value=no_answer]")
    page.click("[data-testid=record-call]")
    expect(page.locator("[data-testid=queue-item]")).to_contain_text("司马相如")
    assert CallAttempt.objects.get().outcome == "no_answer"
    due_call.refresh_from_db()
    assert due_call.next_call_at > timezone.now()

    # Two hours later the call is back at the head of the queue.
    FollowUp.objects.filter(pk=due_call.pk).update(next_call_at=timezone.now() - dt.timedelta(minutes=1))
    page.reload()
    page.click("[data-testid=next-call]")
    expect(page.locator("[data-testid=earlier-calls]")).to_contain_text(str(CallAttempt.Outcome.NO_ANSWER.label))
    page.check("input[name=outcome][value=reached]")
    expect(page.locator("[data-testid=survey]")).to_be_visible()
    for question, answer in [("overall", "4"), ("booking", "5"), ("advisor", "5"), ("repair_quality", "4"),
                             ("timeliness", "2"), ("facility", "5"), ("pickup_price", "4")]:
        page.locator(f"[data-testid=question-{question}]").get_by_text(answer, exact=True).click()
    page.locator("[data-testid=question-fixed_right] label").first.click()  # yes
    page.fill("textarea[name=comment]", "交车晚了两个小时，也没人通知")
    page.click("[data-testid=record-call]")
    page.wait_for_url("**/visits/queue/")
    expect(page.locator("[data-testid=queue]")).not_to_contain_text("司马相如")

    dissatisfaction = Dissatisfaction.objects.get()
    assert dissatisfaction.reasons == ["timeliness"]
    due_call.refresh_from_db()
    assert (due_call.status, due_call.outcome) == ("done", "reached")

    page.goto(f"/customers/{due_call.customer_id}/")
    expect(page.locator("[data-testid=dissatisfied-flag]")).to_be_visible()
    expect(page.locator("[data-testid=customer-dissatisfactions]")).to_contain_text("交车晚了两个小时")
    expect(page.locator("[data-testid=customer-followups]")).to_contain_text("RO-2026-0815")
    assert errors == []


def test_the_customer_file_loads_its_calls_section_in_english(page, personas, due_call):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, "cs_agent_a")
    page.locator("[data-testid=language-switch] button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"/customers/{due_call.customer_id}/")
    expect(page.locator("[data-testid=customer-followups]")).to_contain_text("RO-2026-0815")
    expect(page.locator("[data-testid=customer-calls-loading]")).to_have_count(0)
    expect(page.get_by_role("heading", name="Return-visit calls")).to_be_visible()
    assert errors == []
