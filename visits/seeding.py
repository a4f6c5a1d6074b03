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
    refresh_statistics(FollowUp, CallAttempt, Dissatisfaction)
    create_followups(day=today, store_ids=[store.pk for store in stores])


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
