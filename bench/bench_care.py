"""Customer-care figures on the dealer-group data set (`generate_dealer_group` at BENCH_SCALE,
1.2M vehicles at scale 1):

- `care.recompute_all_s`: every vehicle's next service due, recomputed in one statement;
- `care.reminders_job_s`: the daily care job (maintenance reminders and their SMS and calls,
  renewal calls, greetings, recalls) for the whole group, the first run of a day;
- `care.campaign_queue_s`: a campaign to every customer of the first store queued in batches
  (with `care.campaign_customers` and `care.campaign_queue_100k_s`, the time scaled to 100,000).

What the run writes is deleted at the end (calls with their history rows, messages, occasions,
the campaign), so the bench database stays as it was; the next-due table is kept.
"""
import time


def _clear():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM visits_followupevent WHERE care_occasion_id IS NOT NULL")
        cursor.execute("DELETE FROM visits_followup WHERE care_occasion_id IS NOT NULL")
        cursor.execute("DELETE FROM aftersales_outboundmessage o USING visits_careoccasion c "
                       "WHERE o.idempotency_key = 'care:' || c.key")
        cursor.execute("DELETE FROM visits_careoccasion")
        cursor.execute("DELETE FROM visits_campaign")
        cursor.execute("UPDATE visits_vehicleservicedue SET unanswered_reminders = 0, stopped_on = NULL, "
                       "stopped_reason = '' WHERE unanswered_reminders > 0 OR stopped_on IS NOT NULL")
        cursor.execute("ANALYZE visits_vehicleservicedue")


def run(scale):
    from aftersales.models import Store, User
    from customers.generation import PREFIX, generate_dealer_group
    from visits.care.campaigns import create_campaign, queue_campaign, send_campaign
    from visits.care.jobs import run_daily_care
    from visits.care.maintenance import recompute_due

    generate_dealer_group(scale)  # idempotent: cheap once the data set is there
    _clear()
    start = time.perf_counter()
    changed = recompute_due()
    yield "care.recompute_all_s", round(time.perf_counter() - start, 2), "s"
    yield "care.recompute_all_rows", changed, "rows"
    try:
        start = time.perf_counter()
        counts = run_daily_care()
        yield "care.reminders_job_s", round(time.perf_counter() - start, 2), "s"
        yield "care.reminders_job_occasions", sum(v for k, v in counts.items() if k in (
            "reminded", "renewal_calls", "birthdays", "festival_greetings", "recalls")), "rows"
        store = Store.objects.get(code=f"{PREFIX}001")
        manager = User.objects.filter(is_superuser=False).first()
        campaign = create_campaign(store=store, by=manager, name="bench", text="基准活动", segment={},
                                   send_sms=True, make_calls=False)
        send_campaign(campaign.pk)
        start = time.perf_counter()
        queued = queue_campaign(campaign.pk)
        took = time.perf_counter() - start
        yield "care.campaign_queue_s", round(took, 2), "s"
        yield "care.campaign_customers", queued, "customers"
        if queued:
            yield "care.campaign_queue_100k_s", round(took * 100_000 / queued, 2), "s"
    finally:
        _clear()
