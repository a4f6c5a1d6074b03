"""Demo data of the visits module: the demo stores' last two weeks of return-visit calls, made by
the same morning job and recorded through the same services as in production, so `make run`
opens on a queue with calls to make, a call history and reports with figures."""
import datetime as dt
import random
import zoneinfo

from aftersales.models import User
from aftersales.planner import refresh_statistics

from .models import CallAttempt, Dissatisfaction, FollowUp
from .services import claim_next, create_followups, expire_overdue, record_attempt

HISTORY_DAYS = 14
COMMENTS = ["服务很好，谢谢", "等待时间有点长", "价格解释得不够清楚", "休息区很舒适", "师傅很专业"]


def seed_demo_followups(stores):
    """The morning job of each of the last two weeks, then that day's calls of the store's demo
    agent; yesterday's and today's calls are left for the demo user. Done once per store."""
    from django.utils import timezone

    rng = random.Random(2026)
    agents = {
        store.pk: User.objects.filter(username=f"cs_agent_{store.code}").first() for store in stores
    }
    fresh = [s for s in stores if agents[s.pk] and not CallAttempt.objects.filter(store=s).exists()]
    today = timezone.localdate()
    for back in range(HISTORY_DAYS, 1, -1):
        day = today - dt.timedelta(days=back)
        if fresh:
            refresh_statistics(FollowUp, CallAttempt, Dissatisfaction)
            create_followups(day=day, store_ids=[store.pk for store in fresh])
        for store in fresh:
            _work_day(store, agents[store.pk], day, rng)
    for store in fresh:
        _repair_orders_for_this_morning(store, today, rng)
    refresh_statistics(FollowUp, CallAttempt, Dissatisfaction)
    create_followups(day=today, store_ids=[store.pk for store in stores])
    for store in fresh:
        _start_this_morning(store, agents[store.pk], rng)


# A morning's work for the demo agent (20–40 calls): repair orders closed three days ago are
# due today, a few closed earlier are overdue; some calls were already tried this morning.
DUE_TODAY = 22
OVERDUE = 6
CALL_BACKS = 3
UNANSWERED = 3


def _repair_orders_for_this_morning(store, today, rng):
    from customers.models import ServiceVisit, Vehicle

    zone = zoneinfo.ZoneInfo(store.time_zone)
    busy = set(FollowUp.objects.filter(store=store, status="pending").values_list("customer_id", flat=True))
    vehicles = [v for v in Vehicle.objects.filter(store=store).order_by("pk") if v.owner_id not in busy]
    # One car per customer, so no two of the morning's calls merge into one.
    by_owner = {}
    for vehicle in vehicles:
        by_owner.setdefault(vehicle.owner_id, vehicle)
    chosen = rng.sample(sorted(by_owner.values(), key=lambda v: v.pk), DUE_TODAY + OVERDUE)
    advisors = list(User.objects.filter(stores=store, groups__name="advisor"))
    for number, vehicle in enumerate(chosen):
        days_ago = 3 if number < DUE_TODAY else rng.choice([4, 5, 6])  # the 3-day rule: due today, or overdue
        closed = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(rng.randint(10, 17)),
                                     tzinfo=zone)
        advisor = rng.choice(advisors) if advisors else None
        ServiceVisit.objects.create(
            store=store, order_no=f"RO{closed:%Y%m%d}{store.code.upper()}M{number:02d}", customer_id=vehicle.owner_id,
            vehicle=vehicle, repair_type=rng.choice(["maintenance", "maintenance", "minor_repair"]),
            status=ServiceVisit.Status.CLOSED, opened_at=closed - dt.timedelta(hours=rng.randint(2, 6)),
            closed_at=closed, mileage=(vehicle.mileage or 10000) + rng.randint(3000, 8000),
            advisor=advisor, advisor_name=str(advisor) if advisor else "",
            work_summary=rng.choice(["更换机油机滤", "更换刹车片", "四轮定位", "更换空调滤芯", "检查异响"]),
            amount=rng.randint(300, 2500),
        )


def _start_this_morning(store, agent, rng, now=None):
    """A few calls tried already: customers who asked to be called back later today, and
    numbers that did not answer (back in the queue after the retry delay)."""
    from django.utils import timezone

    now = now or timezone.now()
    # Later today, whenever the demo is seeded: halfway to midnight at the latest, so a seed run
    # in the evening still leaves today's call-backs in today's queue.
    zone = zoneinfo.ZoneInfo(store.time_zone)
    midnight = dt.datetime.combine(timezone.localdate(now, zone) + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    for outcome, count in (("call_back", CALL_BACKS), ("no_answer", UNANSWERED)):
        for _call in range(count):
            followup = claim_next(agent=agent, store_ids=[store.pk], now=now - dt.timedelta(minutes=40))
            if followup is None:
                return
            record_attempt(
                followup_id=followup.pk, agent=agent, outcome=outcome, now=now - dt.timedelta(minutes=40),
                call_back_at=min(now + dt.timedelta(minutes=rng.randint(30, 180)), now + (midnight - now) / 2)
                if outcome == "call_back" else None,
                note="客户在开会，请下午再打" if outcome == "call_back" else "",
            )


def _work_day(store, agent, day, rng):
    moment = dt.datetime.combine(day, dt.time(9, 30), tzinfo=zoneinfo.ZoneInfo(store.time_zone))
    for _call in range(40):
        followup = claim_next(agent=agent, store_ids=[store.pk], now=moment)
        if followup is None:
            break
        _record(followup, agent, moment, rng)
        moment += dt.timedelta(minutes=rng.randint(4, 12))


def _record(followup, agent, moment, rng):
    roll = rng.random()
    if roll < 0.72:
        unhappy = rng.random() < 0.08
        answers = {
            name: rng.choice([4, 5, 5]) for name in
            ["overall", "booking", "advisor", "repair_quality", "timeliness", "facility", "pickup_price"]
        }
        answers["fixed_right"] = rng.random() > 0.05
        if unhappy:
            answers[rng.choice(["timeliness", "pickup_price", "advisor", "overall"])] = 2
        answers["comment"] = rng.choice(COMMENTS) if rng.random() < 0.5 or unhappy else ""
        record_attempt(followup_id=followup.pk, agent=agent, outcome="reached", answers=answers, now=moment)
    elif roll < 0.9:
        record_attempt(followup_id=followup.pk, agent=agent, outcome="no_answer", now=moment)
    elif roll < 0.96:
        record_attempt(followup_id=followup.pk, agent=agent, outcome="busy", now=moment)
    elif roll < 0.98:
        record_attempt(followup_id=followup.pk, agent=agent, outcome="wrong_number", now=moment)
    else:
        record_attempt(followup_id=followup.pk, agent=agent, outcome="refused", now=moment)


def seed_demo_call_history(stores, *, first_day, last_day, every_days=7, calls_per_run=5):
    """Earlier months of return-visit calls, for the KPI module's 13-month trends: the morning job
    once a week (it catches up the week, as after missed days) and a few of the week's calls by
    the store's demo agent, through the same services; calls left over expire as in production.
    Once per store: the caller decides which stores still need it."""
    from django.utils import timezone

    rng = random.Random(2025)
    agents = {store.pk: User.objects.filter(username=f"cs_agent_{store.code}").first() for store in stores}
    # The caller runs it once per store (the KPI module's seeder keeps the mark).
    fresh = [s for s in stores if agents[s.pk]]
    if not fresh:
        return
    ids = [store.pk for store in fresh]
    zone = zoneinfo.ZoneInfo(fresh[0].time_zone)
    day = first_day
    while day <= last_day:
        started = timezone.now()
        create_followups(day=day, store_ids=ids)
        # The morning job measures "too late" against today, so a past week's calls are born
        # expired; in the story they were due that week and still to make.
        FollowUp.objects.filter(store_id__in=ids, status=FollowUp.Status.EXPIRED, finished_at__gte=started,
                                expires_on__gte=day).update(status=FollowUp.Status.PENDING, finished_at=None)
        for store in fresh:
            # Some months the agents fall behind, so the trend has something to show.
            calls = calls_per_run if day.month % 4 else calls_per_run // 2
            moment = dt.datetime.combine(day, dt.time(9, 30), tzinfo=zone)
            for _call in range(calls):
                followup = claim_next(agent=agents[store.pk], store_ids=[store.pk], now=moment)
                if followup is None:
                    break
                _record(followup, agents[store.pk], moment, rng)
                moment += dt.timedelta(minutes=rng.randint(4, 12))
        expire_overdue(day=day, now=dt.datetime.combine(day, dt.time(20), tzinfo=zone))
        day += dt.timedelta(days=every_days)
    refresh_statistics(FollowUp, CallAttempt, Dissatisfaction)
    # Today's calls again, the care calls of the history's complaints included.
    create_followups(day=timezone.localdate(), store_ids=ids)
