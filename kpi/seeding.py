"""Demo data for the KPI pages: the demo stores' last 13 months, so the trend charts say
something — calls and complaints through the visits and complaints modules' own generators,
mystery-shopper checks and a corrective action here. Idempotent, like every seeder."""
import datetime as dt
import random

from django.utils import timezone

from aftersales.models import User

from .models import CorrectiveAction, MysteryShopperCheck

HISTORY_MONTHS = 13


def seed_demo_kpis(stores):
    from complaints.seeding import seed_demo_complaint_history
    from visits.seeding import HISTORY_DAYS, seed_demo_call_history

    today = timezone.localdate()
    # Once per store: the mystery-shopper checks, made last, mark a store done.
    stores = [store for store in stores if not MysteryShopperCheck.objects.filter(store=store).exists()]
    if not stores:
        return
    seed_demo_complaint_history(stores, months=HISTORY_MONTHS - 1)
    seed_demo_call_history(stores, first_day=today - dt.timedelta(days=30 * HISTORY_MONTHS),
                           last_day=today - dt.timedelta(days=HISTORY_DAYS + 1))
    rng = random.Random(13)
    for store in stores:
        advisors = list(User.objects.filter(groups__name="advisor", stores=store))
        recorder = User.objects.filter(username=f"cs_supervisor_{store.code}").first()
        manager = User.objects.filter(username=f"manager_{store.code}").first()
        if not (advisors and recorder and manager):
            continue
        for month in range(HISTORY_MONTHS):
            for advisor in advisors:
                for kind in ("open", "secret"):
                    MysteryShopperCheck.objects.create(
                        store=store, advisor=advisor, kind=kind, recorded_by=recorder,
                        checked_on=today - dt.timedelta(days=30 * month + rng.randint(1, 25)),
                        score=rng.choice([78, 84, 86, 88, 90, 92, 95]),
                        passed_items=["greeting", "walkaround", "estimate", "delivery"],
                    )
        CorrectiveAction.objects.create(
            store=store, title="回访未接通的客户当天下午再拨一次", figure="return_visit_rate", owner=recorder,
            due_on=today + dt.timedelta(days=20), opened_by=manager, figure_before="72.0%",
        )
