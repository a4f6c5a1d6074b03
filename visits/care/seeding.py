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
