"""Customer-care figures on the dealer-group data set (`generate_dealer_group` at BENCH_SCALE,
1.2M vehicles at scale 1):

- `care.recompute_all_s`: every vehicle's next service due, recomputed in one statement;
- `care.reminders_job_first_run_s`: the daily care job (maintenance reminders and their SMS and
  calls, renewal calls, greetings, recalls) for the whole group, run for the first time over a
  data set with a year's history: every overdue car, policy and lost customer at once (a
  one-off, when the module is switched on);
- `care.reminders_job_s`: the same job the next day, as it runs every day after (the budget);
- `care.recompute_import_100k_s`: the next-due recomputation that follows a 100,000-row DMS
  import (the receiver of `repair_orders_changed`), for the customers of the group's 100,000
  latest repair orders (at most; with `care.recompute_import_vehicles`);
- `care.campaign_queue_s`: a campaign to every customer of the first store queued in batches
  (with `care.campaign_customers`);
- `care.campaign_queue_group_s`: a group campaign to every customer of every store (100,000
  customers at scale 0.1), with `care.campaign_group_customers`; `care.campaign_queue_100k_s`
  is that time for 100,000 customers (measured at scale 0.1, scaled by the count elsewhere);
- `care.campaign_progress_first_ms`, `care.campaign_progress_ms`: the group campaign's progress,
  the first read (which counts who came in) and a poll after it (what the page pays every 2 s
  while the campaign sends; who came in is then read from the cache for a minute).

What the run writes is deleted at the end (calls with their history rows, messages, occasions,
the campaign), so the bench database stays as it was; the next-due table is kept.
"""
import datetime as dt
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


def _customers_of_latest_repair_orders(count):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT customer_id FROM (SELECT customer_id FROM customers_servicevisit "
                       "ORDER BY opened_at DESC LIMIT %s) AS latest", [count])
        return [row[0] for row in cursor.fetchall()]


def _vehicles_of(customer_ids):
    from customers.models import Vehicle

    return Vehicle.objects.filter(owner_id__in=customer_ids).count()


def _occasions(counts):
    return sum(value for key, value in counts.items()
               if key in ("reminded", "renewal_calls", "birthdays", "festival_greetings", "recalls"))


def run(scale):
    from django.utils import timezone

    from aftersales.models import Store, User
    from customers.generation import PREFIX, generate_dealer_group
    from visits.care.campaigns import create_campaign, queue_campaign, send_campaign
    from visits.care.jobs import run_daily_care
    from visits.care.maintenance import recompute_due
    from visits.care.selectors import campaign_progress
    from visits.models import Campaign

    generate_dealer_group(scale)  # idempotent: cheap once the data set is there
    _clear()
    start = time.perf_counter()
    changed = recompute_due()
    yield "care.recompute_all_s", round(time.perf_counter() - start, 2), "s"
    yield "care.recompute_all_rows", changed, "rows"
    try:
        start = time.perf_counter()
        counts = run_daily_care()
        yield "care.reminders_job_first_run_s", round(time.perf_counter() - start, 2), "s"
        yield "care.reminders_job_first_run_occasions", _occasions(counts), "rows"
        tomorrow = timezone.now() + dt.timedelta(days=1)
        start = time.perf_counter()
        counts = run_daily_care(day=timezone.localdate(tomorrow), now=tomorrow)
        yield "care.reminders_job_s", round(time.perf_counter() - start, 2), "s"
        yield "care.reminders_job_occasions", _occasions(counts), "rows"
        customer_ids = _customers_of_latest_repair_orders(100_000)
        start = time.perf_counter()
        recompute_due(customer_ids=customer_ids)
        yield "care.recompute_import_100k_s", round(time.perf_counter() - start, 2), "s"
        yield "care.recompute_import_vehicles", _vehicles_of(customer_ids), "vehicles"
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
        group = create_campaign(store=None, by=manager, name="bench-group", text="基准集团活动", segment={},
                                send_sms=True, make_calls=False)
        send_campaign(group.pk)
        start = time.perf_counter()
        queued = queue_campaign(group.pk)
        took = time.perf_counter() - start
        yield "care.campaign_queue_group_s", round(took, 2), "s"
        yield "care.campaign_group_customers", queued, "customers"
        if queued:
            yield "care.campaign_queue_100k_s", round(took * 100_000 / queued, 2), "s"
        group = Campaign.objects.get(pk=group.pk)
        start = time.perf_counter()
        campaign_progress(group)
        yield "care.campaign_progress_first_ms", round((time.perf_counter() - start) * 1000), "ms"
        start = time.perf_counter()
        campaign_progress(group)
        yield "care.campaign_progress_ms", round((time.perf_counter() - start) * 1000), "ms"
    finally:
        _clear()
