"""Lost-customer recalls (流失, seed 000: find the lost customers and call them to learn why):
customers the loyalty tiers mark lapsing or churned, and those whose cars stopped answering the
maintenance reminders, get one recall call per period (the store's `recall_every_months`), at
most `recalls_per_day` new ones a day per store, the most recently lost first."""
import datetime as dt

from django.db import connection
from django.utils import timezone

from .calls import CALL_COLUMNS, call_outcome_sql

_RECALLS = """
WITH made_today AS (
    -- Counted once per store, not once per candidate: right after the day's reminders were
    -- inserted the table's statistics are stale, and a per-row count was planned as a scan of
    -- the whole table for each of the thousands of candidates.
    SELECT store_id, count(*) AS made FROM visits_careoccasion
    WHERE kind = 'recall' AND created_at >= %(day_start)s
    GROUP BY store_id
), candidates AS (
    SELECT c.id AS customer_id, c.store_id, per.period,
           coalesce(p.recalls_per_day, 20) - coalesce(t.made, 0) AS cap,
           row_number() OVER (PARTITION BY c.store_id
                              ORDER BY (c.id = ANY(%(extra)s)) DESC, c.last_visit_at DESC NULLS LAST, c.id) AS n,
           (SELECT ve.id FROM customers_vehicle ve WHERE ve.owner_id = c.id
             ORDER BY ve.updated_at DESC, ve.id DESC LIMIT 1) AS vehicle_id
    FROM customers_customer c
    JOIN aftersales_store s ON s.id = c.store_id AND s.is_active
    LEFT JOIN visits_carepolicy p ON p.store_id = c.store_id
    LEFT JOIN made_today t ON t.store_id = c.store_id
    CROSS JOIN LATERAL (
        SELECT ((%(year)s * 12 + %(month)s - 1) / coalesce(p.recall_every_months, 6))::int AS period
    ) AS per
    WHERE c.merged_into_id IS NULL AND NOT c.do_not_contact
      AND (c.loyalty_tier IN ('lapsing', 'churned') OR c.id = ANY(%(extra)s))
      AND (%(store_ids)s::bigint[] IS NULL OR c.store_id = ANY(%(store_ids)s))
      AND EXISTS (SELECT 1 FROM customers_vehicle ve WHERE ve.owner_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM visits_careoccasion o
                      WHERE o.key = 'recall:' || c.id || ':' || per.period)
)
INSERT INTO visits_careoccasion (store_id, customer_id, vehicle_id, kind, key, due_on, subject, messaged,
                                 created_at, renewal_outcome, insurer, recall_reason, note)
SELECT store_id, customer_id, vehicle_id, 'recall', 'recall:' || customer_id || ':' || period, %(day)s, '',
       FALSE, %(now)s, '', '', '', ''
FROM candidates WHERE n <= cap
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

_CALLS = CALL_COLUMNS + """
SELECT o.store_id, o.customer_id, o.vehicle_id, o.id, r.id, 0, o.due_on, o.due_on + r.window_days,
       r.priority, {outcome}, %(now)s, 0, ''
FROM unnest(%(ids)s::bigint[]) AS made(id)
JOIN visits_careoccasion o ON o.id = made.id
JOIN visits_followuprule r ON r.store_id = o.store_id AND r.trigger = 'lost_customer' AND r.is_active
JOIN customers_customer c ON c.id = o.customer_id
LEFT JOIN customers_customerconsent cc ON cc.customer_id = c.id AND cc.channel = 'service_call'
ON CONFLICT DO NOTHING
""".format(outcome=call_outcome_sql("o.due_on"))


def queue_recalls(*, day, now, store_ids=None, extra_customer_ids=()) -> dict:
    zone = timezone.get_current_timezone()
    params = {"day": day, "now": now, "store_ids": store_ids, "year": day.year, "month": day.month,
              "extra": list(extra_customer_ids),
              "day_start": dt.datetime.combine(day, dt.time(), tzinfo=zone)}
    with connection.cursor() as cursor:
        cursor.execute(_RECALLS, params)
        params["ids"] = [row[0] for row in cursor.fetchall()]
        cursor.execute(_CALLS, params)
        return {"recalls": len(params["ids"]), "recall_calls": cursor.rowcount}
