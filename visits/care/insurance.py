"""Insurance renewal (续保, seed 000): a call in the queue at D-60 and D-30 (per store) before the
compulsory or commercial policy expires, one per expiry date (both policies often expire on
the same day: one call covers them), and an optional SMS a few days before. A call is not made
once an earlier call of the same expiry learned the outcome (renewed, or the car sold)."""
from django.conf import settings
from django.db import connection

from aftersales.messaging.kinds import KINDS

from .calls import CALL_COLUMNS, call_outcome_sql
from .messages import OUTBOX_INSERT, message_context_sql

_EXPIRIES = """
    SELECT ve.id AS vehicle_id, ve.store_id, ve.owner_id AS customer_id, x.expiry, x.which
    FROM customers_vehicle ve
    JOIN aftersales_store s ON s.id = ve.store_id AND s.is_active
    CROSS JOIN LATERAL (
        SELECT e.expiry, string_agg(e.which, '+' ORDER BY e.which) AS which
        FROM (VALUES (ve.compulsory_insurance_due, 'compulsory'), (ve.commercial_insurance_due, 'commercial'))
             AS e(expiry, which)
        WHERE e.expiry IS NOT NULL AND e.expiry >= %(day)s AND e.expiry <= %(day)s + 366
        GROUP BY e.expiry
    ) AS x
    JOIN customers_customer c ON c.id = ve.owner_id AND c.merged_into_id IS NULL
    LEFT JOIN visits_vehicleservicedue d ON d.vehicle_id = ve.id
    WHERE (d.stopped_reason IS NULL OR d.stopped_reason <> 'sold')
      AND (ve.compulsory_insurance_due BETWEEN %(day)s AND %(day)s + %(horizon)s
           OR ve.commercial_insurance_due BETWEEN %(day)s AND %(day)s + %(horizon)s)
      AND (%(store_ids)s::bigint[] IS NULL OR ve.store_id = ANY(%(store_ids)s))
"""

# The latest call day that has come (a late run makes the D-30 call, not a stale D-60 one).
_CALL_OCCASIONS = f"""
WITH due AS (
    SELECT e.*, (SELECT min(o) FROM unnest(coalesce(nullif(p.insurance_call_days::int[], '{{}}'), %(default_days)s::int[])) o
                 WHERE e.expiry - o <= %(day)s) AS days_before
    FROM ({_EXPIRIES}) AS e
    LEFT JOIN visits_carepolicy p ON p.store_id = e.store_id
)
INSERT INTO visits_careoccasion (store_id, customer_id, vehicle_id, kind, key, due_on, subject, messaged,
                                 created_at, renewal_outcome, insurer, recall_reason, note)
SELECT due.store_id, due.customer_id, due.vehicle_id, 'insurance',
       'insurance:' || due.vehicle_id || ':' || due.expiry || ':' || due.days_before, due.expiry, due.which,
       FALSE, %(now)s, '', '', '', ''
FROM due
WHERE due.days_before IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM visits_careoccasion known
      WHERE known.vehicle_id = due.vehicle_id AND known.kind = 'insurance' AND known.due_on = due.expiry
        AND known.renewal_outcome IN ('renewed_here', 'renewed_elsewhere', 'sold_car'))
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

_CALLS = CALL_COLUMNS + """
SELECT o.store_id, o.customer_id, o.vehicle_id, o.id, r.id,
       split_part(o.key, ':', 4)::int, src.due, greatest(least(o.due_on, src.due + r.window_days), src.due),
       r.priority + (CASE WHEN c.loyalty_tier = 'loyal' THEN 1 ELSE 0 END), {outcome}, %(now)s, 0, ''
FROM unnest(%(ids)s::bigint[]) AS made(id)
JOIN visits_careoccasion o ON o.id = made.id
CROSS JOIN LATERAL (SELECT o.due_on - split_part(o.key, ':', 4)::int AS due) AS src
JOIN visits_followuprule r ON r.store_id = o.store_id AND r.trigger = 'insurance_renewal' AND r.is_active
JOIN customers_customer c ON c.id = o.customer_id
LEFT JOIN customers_customerconsent cc ON cc.customer_id = c.id AND cc.channel = 'service_call'
ON CONFLICT DO NOTHING
""".format(outcome=call_outcome_sql())

_SMS_OCCASIONS = f"""
INSERT INTO visits_careoccasion (store_id, customer_id, vehicle_id, kind, key, due_on, subject, messaged,
                                 created_at, renewal_outcome, insurer, recall_reason, note)
SELECT e.store_id, e.customer_id, e.vehicle_id, 'insurance', 'insurance-sms:' || e.vehicle_id || ':' || e.expiry,
       e.expiry, e.which, TRUE, %(now)s, '', '', '', ''
FROM ({_EXPIRIES}) AS e
JOIN visits_carepolicy p ON p.store_id = e.store_id AND p.insurance_sms_days_before > 0
WHERE e.expiry - p.insurance_sms_days_before <= %(day)s
  AND NOT EXISTS (
      SELECT 1 FROM visits_careoccasion known
      WHERE known.vehicle_id = e.vehicle_id AND known.kind = 'insurance' AND known.due_on = e.expiry
        AND known.renewal_outcome IN ('renewed_here', 'renewed_elsewhere', 'sold_car'))
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

_SMS = OUTBOX_INSERT + """
SELECT o.store_id, o.customer_id, 'insurance_due', %(purpose)s, 'sms', c.mobile, c.preferred_language,
       {context}, 'care:' || o.key, 'queued', %(now)s, 0, '', '', '', '', '', %(now)s
FROM unnest(%(ids)s::bigint[]) AS made(id)
JOIN visits_careoccasion o ON o.id = made.id
JOIN customers_customer c ON c.id = o.customer_id
JOIN customers_vehicle ve ON ve.id = o.vehicle_id
JOIN aftersales_store s ON s.id = o.store_id
ON CONFLICT DO NOTHING
""".format(context=message_context_sql("name", "plate", "due", "link"))

DEFAULT_CALL_DAYS = [60, 30]


def queue_renewal_calls(*, day, now, store_ids=None) -> dict:
    params = {"day": day, "now": now, "store_ids": store_ids, "default_days": DEFAULT_CALL_DAYS,
              "horizon": max(DEFAULT_CALL_DAYS), "purpose": KINDS["insurance_due"].purpose,
              "site_url": settings.SITE_URL.rstrip("/")}
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(o), 0) FROM visits_carepolicy, unnest(insurance_call_days) o")
        params["horizon"] = max(params["horizon"], cursor.fetchone()[0])
        cursor.execute(_CALL_OCCASIONS, params)
        params["ids"] = [row[0] for row in cursor.fetchall()]
        cursor.execute(_CALLS, params)
        calls = cursor.rowcount
        cursor.execute(_SMS_OCCASIONS, params)
        params["ids"] = [row[0] for row in cursor.fetchall()]
        cursor.execute(_SMS, params)
        messages = cursor.rowcount
    return {"renewal_calls": calls, "renewal_messages": messages}
