"""Demo data of customer care: every demo car's next service estimated, today's reminders,
renewal calls, greetings and recalls made by the real daily job, a sent campaign and a draft,
all through the same services as in production. Idempotent (the job's keys, and the campaign
made once per store)."""
from aftersales.models import User
from visits.models import Campaign, ServiceInterval

from .campaigns import create_campaign, queue_campaign, send_campaign
from .jobs import run_daily_care
from .maintenance import recompute_due


def seed_demo_care(stores):
    store_ids = [store.pk for store in stores]
    for store in stores:
        # The popular model of the demo, serviced every 7,500 km or 6 months (its maker's rule).
        ServiceInterval.objects.get_or_create(store=store, model_line="迈腾",
                                              defaults={"every_km": 7500, "every_months": 6})
    recompute_due(store_ids=store_ids)
    # Before today's job, which follows up the history's recent reminders as it would have (a
    # history added after it would get those calls from the next seed: not idempotent).
    seed_demo_care_history(stores)
    run_daily_care(store_ids=store_ids)
    for store in stores:
        manager = User.objects.filter(username=f"manager_{store.code}").first()
        if manager is None or Campaign.objects.filter(store=store).exists():
            continue
        sent = create_campaign(store=store, by=manager, name="爱车讲堂 · 冬季用车", text="本周六上午10点爱车讲堂：冬季用车与免费检测",
                               segment={"tiers": ["loyal"], "marketing_consent": True}, send_sms=True, make_calls=False)
        send_campaign(sent.pk)
        queue_campaign(sent.pk)
        create_campaign(store=store, by=manager, name="老客户回厂礼", text="老客户回厂保养工时八折",
                        segment={"tiers": ["lapsing", "churned"]}, send_sms=True, make_calls=True)


# The KPI module's trends show 13 months (kpi.seeding.HISTORY_MONTHS).
HISTORY_MONTHS = 13
REMINDERS_PER_MONTH, RENEWALS_PER_MONTH, RECALLS_PER_MONTH = 8, 6, 3


def seed_demo_care_history(stores):
    """The 13 months before today of customer care as the daily job and the calls' outcomes leave
    it (the rows kpi/tests/month.py builds by hand too): maintenance reminders, some followed by
    a repair order within the month; insurance renewals expiring each month with their outcome;
    lost customers recalled, some won back by a later repair order. Rows, not messages: the
    history's SMS were sent long ago, the outbox has nothing to send. Conversion and renewals
    improve over the year, as the store's work on them would make them. Once per store."""
    import datetime as dt
    import random

    from django.utils import timezone

    from customers.models import ServiceVisit, Vehicle
    from visits.models import CareOccasion

    kind = CareOccasion.Kind
    now = timezone.now()
    for store in stores:
        mark = f"demo-history:{store.code}:"
        if CareOccasion.objects.filter(key__startswith=mark).exists():
            continue
        rng = random.Random(f"care-{store.code}")
        since = now - dt.timedelta(days=31 * HISTORY_MONTHS)
        visits = list(ServiceVisit.objects.filter(store=store, opened_at__gte=since, vehicle__isnull=False)
                      .exclude(status="cancelled").values("customer_id", "vehicle_id", "opened_at"))
        vehicles = list(Vehicle.objects.filter(store=store, owner__isnull=False).values("pk", "owner_id"))
        if not visits or not vehicles:
            continue
        rows = []

        def occasion(kind_, created_at, vehicle_id, customer_id, **fields):
            rows.append(CareOccasion(
                store=store, customer_id=customer_id, vehicle_id=vehicle_id, kind=kind_, created_at=created_at,
                due_on=fields.pop("due_on", created_at.date()), messaged=True,
                key=f"{mark}{kind_}:{len(rows)}", **fields))

        for months_back in range(HISTORY_MONTHS, 0, -1):
            start = now - dt.timedelta(days=30 * months_back)
            progress = (HISTORY_MONTHS - months_back) / (HISTORY_MONTHS - 1)
            month_visits = [v for v in visits if start <= v["opened_at"] < start + dt.timedelta(days=30)]
            for _n in range(REMINDERS_PER_MONTH):
                if month_visits and rng.random() < 0.3 + 0.3 * progress:
                    # Reminded a week or two before the car came in: a reminder that converted.
                    visit = rng.choice(month_visits)
                    occasion(kind.MAINTENANCE, visit["opened_at"] - dt.timedelta(days=rng.randint(5, 20)),
                             visit["vehicle_id"], visit["customer_id"], subject="保养提醒")
                else:
                    vehicle = rng.choice(vehicles)
                    occasion(kind.MAINTENANCE, start + dt.timedelta(days=rng.randint(0, 29), hours=9),
                             vehicle["pk"], vehicle["owner_id"], subject="保养提醒")
            for vehicle in rng.sample(vehicles, min(RENEWALS_PER_MONTH, len(vehicles))):
                due_on = (start + dt.timedelta(days=rng.randint(0, 29))).date()
                outcome = rng.choices(["renewed_here", "renewed_elsewhere", "sold_car", "not_yet"],
                                      weights=[45 + 25 * progress, 35 - 20 * progress, 5, 15])[0]
                called = dt.datetime.combine(due_on - dt.timedelta(days=30), dt.time(9), tzinfo=now.tzinfo)
                occasion(kind.INSURANCE, called, vehicle["pk"], vehicle["owner_id"], due_on=due_on,
                         renewal_outcome=outcome, outcome_at=called + dt.timedelta(days=2), subject="交强险到期")
            later = [v for v in visits if start + dt.timedelta(days=20) <= v["opened_at"] < start + dt.timedelta(days=150)]
            for _n in range(RECALLS_PER_MONTH):
                reason = rng.choice(["price", "distance", "service_quality", "moved", "serviced_elsewhere"])
                if later and rng.random() < 0.25 + 0.2 * progress:
                    visit = rng.choice(later)  # came back within months of the recall: won back
                    vehicle_id, customer_id = visit["vehicle_id"], visit["customer_id"]
                else:
                    vehicle = rng.choice(vehicles)
                    vehicle_id, customer_id = vehicle["pk"], vehicle["owner_id"]
                created = start + dt.timedelta(days=rng.randint(0, 19), hours=10)
                occasion(kind.RECALL, created, vehicle_id, customer_id, recall_reason=reason,
                         outcome_at=created + dt.timedelta(hours=2), subject="流失客户召回")
        CareOccasion.objects.bulk_create(rows)
