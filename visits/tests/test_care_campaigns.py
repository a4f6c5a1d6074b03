"""Campaigns: a segment counted and sampled, queued set-wise in batches by a real worker, once
however often it is sent; pages scoped by store and role; the care outcome on the call screen."""
import datetime as dt
import os
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.tests.concurrency import wait_for
from aftersales.tests.factories import CustomerFactory, VehicleFactory
from customers.services import record_consent
from visits.care.campaigns import create_campaign, queue_campaign, send_campaign
from visits.care.jobs import run_daily_care
from visits.models import Campaign, CareOccasion, FollowUp

from .care_helpers import visit


def customers(store, n, consent=True, **fields):
    made = []
    for _ in range(n):
        customer = CustomerFactory(store=store, **fields)
        VehicleFactory(owner=customer)
        if consent:
            record_consent(customer=customer, channel="marketing", granted=True, method="signed_form", by=None)
        made.append(customer)
    return made


@pytest.mark.django_db
def test_a_campaign_queues_one_sms_and_one_call_per_customer_in_batches(store_a, personas):
    chosen = customers(store_a, 5)
    customers(store_a, 2, consent=False)
    campaign = create_campaign(store=store_a, by=personas["manager"], name="爱车讲堂", text="周六爱车讲堂",
                               segment={"marketing_consent": True}, send_sms=True, make_calls=True)
    assert send_campaign(campaign.pk)
    assert not send_campaign(campaign.pk)  # a second click
    assert queue_campaign(campaign.pk, batch_size=2) == 5
    assert queue_campaign(campaign.pk, batch_size=2) == 0  # a retried task
    campaign.refresh_from_db()
    assert (campaign.status, campaign.target_count, campaign.queued_count) == ("queued", 5, 5)
    messages = OutboundMessage.objects.filter(kind="promotion")
    assert sorted(messages.values_list("customer", flat=True)) == sorted(c.pk for c in chosen)
    assert messages.first().context["offer"] == "周六爱车讲堂"
    assert FollowUp.objects.filter(rule__trigger="campaign").count() == 5


@pytest.mark.django_db
def test_the_segment_narrows_by_tier_model_warranty_and_birthday_month(store_a, personas, client):
    loyal = customers(store_a, 1, birthday=dt.date(1980, 5, 3))[0]
    loyal.loyalty_tier = "loyal"
    loyal.save()
    customers(store_a, 2)
    client.force_login(personas["manager"])
    page = client.get(reverse("visits:campaign_new"), {"store": store_a.pk, "tiers": "loyal", "birthday_month": "5",
                                                        "marketing_consent": "on"})
    assert page.status_code == 200
    assert page.context["found"]["count"] == 1
    assert [c.pk for c in page.context["found"]["sample"]] == [loyal.pk]
    assert "138****" in page.content.decode() or loyal.masked_mobile in page.content.decode()


@pytest.mark.django_db
def test_only_managers_and_supervisors_open_campaigns_and_another_store_s_is_not_found(
        client, personas, store_b, make_user):
    client.force_login(personas["cs_agent"])
    assert client.get(reverse("visits:campaigns")).status_code == 403
    client.force_login(personas["cs_supervisor"])
    assert client.get(reverse("visits:campaigns")).status_code == 200
    other = create_campaign(store=store_b, by=personas["manager"], name="x", text="y", segment={},
                            send_sms=True, make_calls=False)
    assert client.get(reverse("visits:campaign", args=[other.pk])).status_code == 404
    assert client.post(reverse("visits:campaign_send", args=[other.pk])).status_code == 404
    assert Campaign.objects.get(pk=other.pk).status == "draft"


@pytest.mark.django_db
def test_the_campaign_list_runs_a_fixed_number_of_queries(client, personas, store_a, django_assert_num_queries):
    client.force_login(personas["manager"])
    create_campaign(store=store_a, by=personas["manager"], name="a", text="t", segment={}, send_sms=True,
                    make_calls=False)
    with django_assert_num_queries(2) as few:  # the user and the campaigns (the session and permissions are in Redis)
        client.get(reverse("visits:campaigns"))
    for n in range(5):
        create_campaign(store=store_a, by=personas["manager"], name=f"b{n}", text="t", segment={}, send_sms=True,
                        make_calls=False)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("visits:campaigns"))


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_in_a_real_worker_sends_each_customer_once(celery_worker, client, personas, store_a):
    customers(store_a, 12)
    client.force_login(personas["manager"])
    created = client.post(reverse("visits:campaign_new"), {
        "store": store_a.pk, "marketing_consent": "on", "name": "春季保养", "text": "春季保养八折", "send_sms": "on",
    })
    assert created.status_code == 302
    campaign = Campaign.objects.get()
    url = reverse("visits:campaign_send", args=[campaign.pk])
    results = []

    def press():
        from django.test import Client

        other = Client()
        other.force_login(personas["manager"])
        results.append(other.post(url).status_code)
        connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302, 302]
    assert wait_for(lambda: Campaign.objects.get(pk=campaign.pk).status == "queued", timeout=30)
    assert OutboundMessage.objects.filter(kind="promotion").count() == 12
    page = client.get(reverse("visits:campaign", args=[campaign.pk]), HTTP_HX_REQUEST="true")
    assert page.context["progress"]["queued"] == 12


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_twice_at_once_in_real_workers_makes_everything_once(celery_worker, store_a):
    from visits.care.maintenance import recompute_due
    from visits.care.tasks import run_daily_care_task
    from visits.models import VehicleServiceDue

    today = timezone.localdate()
    car = VehicleFactory(owner=CustomerFactory(store=store_a))
    visit(car, today - dt.timedelta(days=300), 10_000)
    visit(car, today - dt.timedelta(days=178), 11_000, "maintenance")
    recompute_due(vehicle_ids=[car.pk])
    assert VehicleServiceDue.objects.get(vehicle=car).next_due_on <= today + dt.timedelta(days=7)
    run_daily_care_task.delay()
    run_daily_care_task.delay()
    run_daily_care()  # and once more here, concurrently with the worker
    assert wait_for(lambda: OutboundMessage.objects.filter(kind="maintenance_due").exists())
    assert not wait_for(lambda: OutboundMessage.objects.filter(kind="maintenance_due").count() > 1, timeout=3)
    assert CareOccasion.objects.filter(kind="maintenance").count() == 1


@pytest.mark.django_db
def test_the_call_screen_offers_the_renewal_outcome_and_records_it(client, personas, store_a):
    today = timezone.localdate()
    car = VehicleFactory(owner=CustomerFactory(store=store_a), commercial_insurance_due=today + dt.timedelta(days=30))
    run_daily_care(day=today)
    call = FollowUp.objects.get(rule__trigger="insurance_renewal")
    agent = personas["cs_agent"]
    FollowUp.objects.filter(pk=call.pk).update(claimed_by=agent, claimed_until=timezone.now() + dt.timedelta(minutes=5))
    client.force_login(agent)
    page = client.get(reverse("visits:call", args=[call.pk])).content.decode()
    assert 'data-testid="call-result"' in page and 'value="renewed_elsewhere"' in page
    assert 'data-testid="call-result-text"' in page and 'data-testid="care-call-subject"' in page
    reached = {"outcome": "reached", "note": "", "call_result": "renewed_elsewhere"}
    bad = client.post(reverse("visits:record_call", args=[call.pk]), reached)
    assert bad.status_code == 400 and "请填写客户续保的保险公司" in bad.content.decode()
    assert CareOccasion.objects.get(vehicle=car).renewal_outcome == ""
    assert FollowUp.objects.get(pk=call.pk).status == "pending"
    client.post(reverse("visits:record_call", args=[call.pk]), {**reached, "call_result_text": "人保"})
    occasion = CareOccasion.objects.get(vehicle=car)
    assert (occasion.renewal_outcome, occasion.insurer, occasion.outcome_by) == ("renewed_elsewhere", "人保", agent)
    assert FollowUp.objects.get(pk=call.pk).status == "done"
    calls_section = client.get(reverse("visits:customer_calls", args=[car.owner_id]))
    assert b'data-testid="care-occasion"' in calls_section.content


@pytest.mark.django_db
def test_the_segment_narrows_by_tags_any_of_them(store_a, personas, client):
    club, group_buy = customers(store_a, 1, tags=["车友会"])[0], customers(store_a, 1, tags=["团购", "VIP"])[0]
    customers(store_a, 2, tags=["其他"])
    client.force_login(personas["manager"])
    page = client.get(reverse("visits:campaign_new"), {"store": store_a.pk, "tags": "车友会，团购",
                                                        "marketing_consent": "on"})
    assert page.status_code == 200
    assert page.context["found"]["count"] == 2
    assert {c.pk for c in page.context["found"]["sample"]} == {club.pk, group_buy.pk}


@pytest.mark.django_db
def test_a_group_campaign_reaches_every_store_s_customers_and_only_group_users_see_it(
        client, personas, store_a, store_b, make_user):
    a, b = customers(store_a, 2), customers(store_b, 3)
    head_office = make_user("manager", [], username="head_office", all_stores=True)
    client.force_login(head_office)
    page = client.get(reverse("visits:campaign_new"), {"store": "", "marketing_consent": "on"})
    assert page.context["found"]["count"] == 5
    response = client.post(reverse("visits:campaign_new"), {
        "store": "", "marketing_consent": "on", "name": "集团车友节", "text": "周六车友节", "send_sms": "on",
        "make_calls": "on"})
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.store is None
    assert send_campaign(campaign.pk)
    assert queue_campaign(campaign.pk, batch_size=2) == 5
    messages = OutboundMessage.objects.filter(kind="promotion")
    assert sorted(messages.values_list("customer", flat=True)) == sorted(c.pk for c in a + b)
    assert set(messages.values_list("store", flat=True)) == {store_a.pk, store_b.pk}
    assert FollowUp.objects.filter(rule__trigger="campaign", store=store_b).count() == 3
    client.force_login(personas["manager"])
    assert client.get(reverse("visits:campaign", args=[campaign.pk])).status_code == 404
    assert "集团车友节" not in client.get(reverse("visits:campaigns")).content.decode()


@pytest.mark.django_db
def test_a_store_manager_cannot_make_a_group_campaign(client, personas, store_a):
    customers(store_a, 1)
    client.force_login(personas["manager"])
    page = client.get(reverse("visits:campaign_new"), {"store": "", "marketing_consent": "on"})
    assert page.context["found"] is None and page.context["segment_form"].errors["store"]



@pytest.mark.django_db
def test_the_progress_counts_sent_suppressed_by_reason_calls_and_who_came_in(store_a, personas, client):
    from django.core.management import call_command

    from aftersales.messaging.services import send_due_messages
    from aftersales.tests.factories import ServiceVisitFactory

    call_command("seed_message_templates", stdout=open(os.devnull, "w"))  # noqa: SIM115
    came, opted_out = customers(store_a, 2)
    record_consent(customer=opted_out, channel="sms", granted=False, method="phone", by=None)
    campaign = create_campaign(store=store_a, by=personas["manager"], name="车友节", text="周六车友节",
                               segment={}, send_sms=True, make_calls=True)
    send_campaign(campaign.pk)
    queue_campaign(campaign.pk)
    store_a.quiet_hours_start = store_a.quiet_hours_end = dt.time(0)
    store_a.save()
    send_due_messages()
    ServiceVisitFactory(vehicle=came.vehicles.get(), opened_at=timezone.now() + dt.timedelta(minutes=1))
    client.force_login(personas["manager"])
    progress = client.get(reverse("visits:campaign", args=[campaign.pk])).context["progress"]
    assert (progress["sent"], progress["suppressed"], progress["calls"], progress["came_in"]) == (1, 1, 2, 1)
    assert progress["suppressed_by_reason"] == [("客户已退订", 1)] and progress["finished"]
