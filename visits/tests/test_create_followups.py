"""The morning job: follow-ups from closed repair orders by the store's rules, exactly once."""
import datetime as dt
import zoneinfo

import pytest
from django.core.management import call_command

from aftersales.tests.concurrency import run_concurrently
from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.models import ServiceVisit
from customers.services import record_consent
from visits.models import FollowUp, FollowUpRule
from visits.services import create_followups, expire_overdue

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 2)


def closed_on(store, day, repair_type="maintenance", **extra):
    """A repair order closed at 16:00 local time on `day`."""
    vehicle = VehicleFactory(owner=CustomerFactory(store=store))
    closed = dt.datetime.combine(day, dt.time(16), tzinfo=SHANGHAI)
    return ServiceVisitFactory(
        vehicle=vehicle, repair_type=repair_type, opened_at=closed - dt.timedelta(hours=5),
        closed_at=closed, **extra,
    )


def due_dates(visit):
    return sorted(visit.followups.values_list("due_on", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("repair_type,offsets", [
    ("minor_repair", [3]), ("maintenance", [3]), ("secondary_maintenance", [10]),
    ("major_overhaul", [10, 30, 90]), ("warranty", [3]), ("accident", [3]),
])
def test_default_rules_call_after_their_days(store_a, repair_type, offsets):
    visit = closed_on(store_a, DAY, repair_type)
    for days in range(0, 91):  # the job runs every morning
        create_followups(day=DAY + dt.timedelta(days=days))
    assert due_dates(visit) == [DAY + dt.timedelta(days=d) for d in offsets]


@pytest.mark.django_db
def test_a_call_is_created_on_its_day_not_before(store_a):
    visit = closed_on(store_a, DAY)
    create_followups(day=DAY + dt.timedelta(days=2))
    assert due_dates(visit) == []
    create_followups(day=DAY + dt.timedelta(days=3))
    assert due_dates(visit) == [DAY + dt.timedelta(days=3)]


@pytest.mark.django_db
def test_declined_work_gets_a_reminder_call_after_14_days(store_a):
    visit = closed_on(store_a, DAY, "recall", declined_work="建议更换刹车片")
    create_followups(day=DAY + dt.timedelta(days=14))
    [followup] = visit.followups.all()
    assert followup.rule.trigger == "declined_work" and followup.due_on == DAY + dt.timedelta(days=14)


@pytest.mark.django_db
def test_a_new_car_delivered_here_gets_a_sales_follow_up(store_a):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a), bought_here=True, purchase_date=DAY)
    create_followups(day=DAY + dt.timedelta(days=3))
    [followup] = FollowUp.objects.filter(vehicle=vehicle)
    assert followup.visit is None and followup.rule.trigger == "new_car"


@pytest.mark.django_db
def test_running_twice_creates_nothing_twice(store_a):
    closed_on(store_a, DAY)
    first = create_followups(day=DAY + dt.timedelta(days=3))
    second = create_followups(day=DAY + dt.timedelta(days=3))
    assert first["pending"] == 1 and sum(second.values()) == 0
    assert FollowUp.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_create_each_follow_up_once(store_a):
    for _ in range(20):
        closed_on(store_a, DAY)
    _results, errors = run_concurrently(lambda: create_followups(day=DAY + dt.timedelta(days=3)), 4)
    assert errors == []
    assert FollowUp.objects.count() == 20


@pytest.mark.django_db
def test_missed_days_are_caught_up(store_a):
    visits = [closed_on(store_a, DAY + dt.timedelta(days=n)) for n in range(5)]
    create_followups(day=DAY + dt.timedelta(days=8))  # the job did not run for five days
    assert [due_dates(v) for v in visits] == [[DAY + dt.timedelta(days=n + 3)] for n in range(5)]


@pytest.mark.django_db
def test_a_repair_order_imported_late_still_gets_its_follow_up_counted_as_expired(store_a):
    visit = closed_on(store_a, DAY - dt.timedelta(days=90))  # closed long ago, on file only now
    created = create_followups(day=DAY)
    [followup] = visit.followups.all()
    assert followup.status == "expired" and created["expired"] == 1


@pytest.mark.django_db
def test_customers_who_must_not_be_called_are_skipped_with_the_reason(store_a):
    dnc = closed_on(store_a, DAY)
    dnc.customer.do_not_contact = True
    dnc.customer.do_not_contact_reason = "投诉处理中"
    dnc.customer.save()
    refused = closed_on(store_a, DAY)
    record_consent(customer=refused.customer, channel="service_call", granted=False, method="phone", by=None)
    created = create_followups(day=DAY + dt.timedelta(days=3))
    assert created["skipped"] == 2
    assert dnc.followups.get().skip_reason == "do_not_contact"
    assert refused.followups.get().skip_reason == "refused_calls"


@pytest.mark.django_db
def test_open_and_cancelled_orders_get_no_follow_up(store_a):
    closed_on(store_a, DAY, status=ServiceVisit.Status.CANCELLED)
    create_followups(day=DAY + dt.timedelta(days=3))
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_a_store_s_own_rule_is_used(store_a, store_b):
    create_followups(day=DAY)  # installs the defaults
    FollowUpRule.objects.filter(store=store_a, repair_type="maintenance").update(offsets_days=[7], window_days=2)
    here, there = closed_on(store_a, DAY), closed_on(store_b, DAY)
    create_followups(day=DAY + dt.timedelta(days=7))
    assert due_dates(here) == [DAY + dt.timedelta(days=7)]
    assert due_dates(there) == [DAY + dt.timedelta(days=3)]
    assert here.followups.get().expires_on == DAY + dt.timedelta(days=9)


@pytest.mark.django_db
def test_calls_not_made_in_their_window_expire(store_a):
    visit = closed_on(store_a, DAY)
    create_followups(day=DAY + dt.timedelta(days=3))
    assert expire_overdue(day=DAY + dt.timedelta(days=10)) == 0
    assert expire_overdue(day=DAY + dt.timedelta(days=11)) == 1
    assert visit.followups.get().status == "expired"


@pytest.mark.django_db
def test_command_prints_created_and_skipped(store_a, capsys):
    closed_on(store_a, DAY)
    call_command("create_followups", "--date", str(DAY + dt.timedelta(days=3)))
    assert capsys.readouterr().out.splitlines() == ["created: 1", "skipped: 0"]


@pytest.mark.django_db
def test_store_admin_edits_the_store_s_rules_only(client, personas, store_a, store_b):
    from django.urls import reverse

    create_followups(day=DAY)
    rule = FollowUpRule.objects.get(store=store_a, repair_type="major_overhaul")
    other = FollowUpRule.objects.get(store=store_b, repair_type="major_overhaul")
    client.force_login(personas["admin"])
    response = client.post(reverse("admin:visits_followuprule_change", args=[rule.pk]), {
        "store": store_a.pk, "trigger": "repair_type", "repair_type": "major_overhaul",
        "offsets_days": "7,30,90", "window_days": 5, "priority": 2, "call_script": "您好，这里是甲店客服……",
        "is_active": "on",
    })
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.offsets_days == [7, 30, 90]
    assert client.get(reverse("admin:visits_followuprule_change", args=[other.pk])).status_code == 302


@pytest.mark.django_db
def test_a_reopened_or_cancelled_order_cancels_its_pending_calls(store_a):
    from visits.services import cancel_obsolete

    visit = closed_on(store_a, DAY, "major_overhaul")
    create_followups(day=DAY + dt.timedelta(days=10))
    ServiceVisit.objects.filter(pk=visit.pk).update(status="open", closed_at=None)
    assert cancel_obsolete() == 1
    assert visit.followups.get().status == "cancelled"


@pytest.mark.django_db
def test_a_vehicle_sold_away_cancels_its_pending_calls(store_a):
    from customers.services import transfer_vehicle
    from visits.services import cancel_obsolete

    visit = closed_on(store_a, DAY)
    create_followups(day=DAY + dt.timedelta(days=3))
    transfer_vehicle(vehicle=visit.vehicle, new_owner=CustomerFactory(store=store_a), on=DAY + dt.timedelta(days=3))
    assert cancel_obsolete() == 1
    assert visit.followups.get().status == "cancelled"


@pytest.mark.django_db
def test_every_default_rule_comes_with_a_call_script(store_a):
    from visits.services import ensure_default_rules

    ensure_default_rules(store_a)
    assert all(rule.call_script for rule in FollowUpRule.objects.filter(store=store_a))
