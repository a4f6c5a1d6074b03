"""One whole complaint loop in a real browser, each step by the role that does it: a
return-visit call finds the customer unhappy → the complaint is there at once → the supervisor
routes it → the workshop answers → the customer is not satisfied → back to the workshop → a
second answer → satisfied → closed, and the customer gets the outcome by SMS."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.services import send_due_messages
from aftersales.models import Department
from aftersales.tests.factories import CustomerFactory, DepartmentFactory, ServiceVisitFactory, VehicleFactory
from complaints.models import Complaint
from customers.tests.test_browser_customers import log_in
from visits.models import Dissatisfaction, FollowUp
from visits.services import create_followups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def unhappy_call(store_a):
    customer = CustomerFactory(store=store_a, name="欧阳明", mobile="13712345678")
    closed = timezone.now() - dt.timedelta(days=3)
    ServiceVisitFactory(
        vehicle=VehicleFactory(owner=customer, plate="京C12345"), order_no="RO-2026-1201",
        opened_at=closed - dt.timedelta(hours=4), closed_at=closed, work_summary="更换前刹车片",
    )
    create_followups(day=timezone.localdate())
    return FollowUp.objects.get(customer=customer)


@pytest.fixture
def workshop(store_a, personas):
    department = DepartmentFactory(store=store_a, kind=Department.Kind.WORKSHOP, name="维修车间")
    head = personas["dept_head"]
    head.department = department
    head.save(update_fields=["department"])
    department.head = head
    department.save(update_fields=["head"])
    return department


def as_user(page, username):
    page.context.clear_cookies()
    log_in(page, username)


def answer(page, complaint, resolution):
    page.goto(f"/complaints/{complaint.pk}/")
    form = page.locator("[data-testid=answer-form]")
    form.locator("textarea[name=investigation]").fill("试车复现刹车异响")
    form.locator("textarea[name=root_cause]").fill("刹车片卡子漏装")
    form.locator("textarea[name=corrective_action]").fill("补装卡子，班组复训")
    form.locator("textarea[name=resolution]").fill(resolution)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=complaint-status]")).to_have_text(str(Complaint.Status.ANSWERED.label))


def call_back(page, complaint, *, satisfied, words):
    page.goto(f"/complaints/{complaint.pk}/")
    form = page.locator("[data-testid=callback-form]")
    form.locator(f"input[name=satisfied][value={'yes' if satisfied else 'no'}]").check()
    form.locator("textarea[name=customer_words]").fill(words)
    form.locator("button[type=submit]").click()


def test_a_return_visit_dissatisfaction_goes_round_the_loop_until_the_customer_is_satisfied(
    page, personas, store_a, unhappy_call, workshop
):
    store_a.quiet_hours_start = store_a.quiet_hours_end = dt.time(0, 0)
    store_a.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # The agent's return-visit call: the customer is unhappy with the repair.
    as_user(page, "cs_agent_a")
    page.goto("/visits/queue/")
    page.click("[data-testid=next-call]")
    expect(page.locator("[data-testid=repair-order]")).to_contain_text("RO-2026-1201")
    page.check("input[name=outcome][value=reached]")
    for question, score in [("overall", "2"), ("booking", "4"), ("advisor", "4"), ("repair_quality", "2"),
                            ("timeliness", "4"), ("facility", "4"), ("pickup_price", "4")]:
        page.locator(f"[data-testid=question-{question}]").get_by_text(score, exact=True).click()
    page.locator("[data-testid=question-fixed_right] label").nth(1).click()  # not fixed right
    page.fill("textarea[name=comment]", "刹车还是有异响")
    page.click("[data-testid=record-call]")
    page.wait_for_url("**/visits/queue/")
    complaint = Complaint.objects.get()
    assert Dissatisfaction.objects.get().complaint == complaint
    assert (complaint.channel, complaint.category, complaint.visit_id) == (
        "return_visit", "repair_quality", unhappy_call.visit_id
    )

    # The supervisor routes it to the workshop.
    as_user(page, "cs_supervisor_a")
    page.goto(f"/complaints/{complaint.pk}/")
    expect(page.locator("[data-testid=description]")).to_contain_text("刹车还是有异响")
    form = page.locator("[data-testid=assign-form]")
    form.locator("select[name=department]").select_option(str(workshop.pk))
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=complaint-status]")).to_have_text(str(Complaint.Status.ASSIGNED.label))

    # The workshop head answers; the customer is not satisfied; back to the workshop.
    as_user(page, "dept_head_a")
    answer(page, complaint, "免费更换刹车片")
    as_user(page, "cs_agent_a")
    call_back(page, complaint, satisfied=False, words="换了以后还是响，希望彻底检查")
    expect(page.locator("[data-testid=complaint-status]")).to_have_text(str(Complaint.Status.ASSIGNED.label))
    expect(page.locator("[data-testid=rounds]")).to_have_text("2")

    as_user(page, "dept_head_a")
    answer(page, complaint, "更换刹车盘和刹车片，免费四轮定位")
    as_user(page, "cs_agent_a")
    call_back(page, complaint, satisfied=True, words="这次不响了，谢谢")
    expect(page.locator("[data-testid=complaint-status]")).to_have_text(str(Complaint.Status.CLOSED.label))
    expect(page.locator("[data-testid=archived]")).to_be_visible()
    timeline = page.locator("[data-testid=timeline]")
    expect(timeline).to_contain_text("换了以后还是响，希望彻底检查")
    expect(timeline).to_contain_text("这次不响了，谢谢")

    complaint.refresh_from_db()
    assert (complaint.status, complaint.rounds) == ("closed", 2)
    assert list(complaint.transitions.order_by("at", "pk").values_list("to_status", flat=True)) == [
        "new", "assigned", "answered", "assigned", "answered", "closed",
    ]
    # The outcome SMS goes out through the outbox.
    call_command("seed_message_templates", stdout=io.StringIO())
    send_due_messages()
    message = OutboundMessage.objects.get(kind="complaint_outcome")
    assert (message.to, message.status) == ("13712345678", "sent")
    assert complaint.number in message.body and "更换刹车盘和刹车片" in message.body
    assert errors == []
