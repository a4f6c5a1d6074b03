"""When each vehicle is next due for service, and the daily maintenance reminders.

The estimate, per vehicle, in one SQL statement for any number of vehicles:
- km per day: the median of the rates between consecutive mileage readings of its repair orders
  (a car sold new here counts 0 km on its delivery day),
  leaving out steps that go backwards (a lower reading) or faster than MAX_DAILY_KM (a typo, a
  jump); a car with no usable step takes its store's average, else DEFAULT_DAILY_KM.
- its mileage line: the median, over its readings, of where each reading puts the line, so one
  odd reading does not move it.
- next due: the store's interval for the model line (every N km or M months, whichever first)
  from the last routine maintenance; with none on file, the first-service rule from the
  purchase date (X km or Y months); with neither, the regular interval from its first visit.
"""
import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from aftersales.messaging.kinds import KINDS

from .calls import CALL_COLUMNS, call_outcome_sql
from .messages import OUTBOX_INSERT, message_context_sql

MAX_DAILY_KM = 400
DEFAULT_DAILY_KM = 33.0  # about 12,000 km a year
SERVICE_TYPES = ["maintenance", "secondary_maintenance"]
DEFAULT_INTERVAL = {"every_km": 5000, "every_months": 6, "first_km": 3000, "first_months": 3}
# A car due longer ago than this gets no reminder: the lost-customer recall is for it.
STALE_DAYS = 365

_RECOMPUTE = """
WITH scope AS (
    SELECT ve.id, ve.store_id, ve.model, ve.purchase_date, ve.bought_here, s.time_zone
    FROM customers_vehicle ve JOIN aftersales_store s ON s.id = ve.store_id
    WHERE {where}
), visits AS (
    SELECT v.vehicle_id, v.id, v.opened_at, v.mileage, v.repair_type,
           (v.opened_at AT TIME ZONE sc.time_zone)::date AS day
    FROM scope sc JOIN customers_servicevisit v ON v.vehicle_id = sc.id
    WHERE v.status <> 'cancelled'
), readings AS (
    SELECT vehicle_id, id, opened_at, mileage, day FROM visits WHERE mileage IS NOT NULL
    UNION ALL
    -- A car sold new here had 0 km on the day it was delivered.
    SELECT id, 0, purchase_date::timestamp AT TIME ZONE time_zone, 0, purchase_date
    FROM scope WHERE bought_here AND purchase_date IS NOT NULL
), steps AS (
    SELECT vehicle_id, id, day, mileage,
           day - lag(day) OVER w AS days, mileage - lag(mileage) OVER w AS km
    FROM readings
    WINDOW w AS (PARTITION BY vehicle_id ORDER BY opened_at, id)
), own AS (
    SELECT vehicle_id, count(*) FILTER (WHERE id <> 0) AS readings, max(day) AS last_day,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY km::float8 / NULLIF(days, 0))
               FILTER (WHERE days >= 1 AND km >= 0 AND km::float8 / NULLIF(days, 0) <= %(max_daily)s) AS rate
    FROM steps GROUP BY vehicle_id
), store_avg AS (
    -- A sample of the store's own estimates is enough for an average (and an index range).
    -- The cars estimated in this run, else a sample of those estimated before.
    SELECT st.store_id, coalesce(
               (SELECT avg(o.rate) FROM own o JOIN scope sc ON sc.id = o.vehicle_id
                WHERE sc.store_id = st.store_id AND o.rate IS NOT NULL),
               (SELECT avg(x.daily_km) FROM (
                   SELECT daily_km FROM visits_vehicleservicedue d
                   WHERE d.store_id = st.store_id AND d.daily_km_source = 'own' LIMIT 5000) AS x)) AS rate
    FROM (SELECT DISTINCT store_id FROM scope) AS st
), visit_facts AS (
    SELECT vehicle_id, max(day) FILTER (WHERE repair_type = ANY(%(service_types)s)) AS last_service,
           min(day) AS first_visit, max(day) AS last_visit
    FROM visits GROUP BY vehicle_id
), last_readings AS (
    SELECT DISTINCT ON (vehicle_id) vehicle_id, day AS last_reading_on, mileage AS last_reading_km
    FROM visits WHERE mileage IS NOT NULL
    ORDER BY vehicle_id, opened_at DESC, id DESC
), rated AS (
    SELECT sc.id AS vehicle_id, sc.store_id, sc.model, sc.purchase_date,
           coalesce(o.readings, 0) AS readings,
           CASE WHEN o.rate IS NOT NULL THEN 'own' WHEN sa.rate IS NOT NULL THEN 'store' ELSE 'default' END AS source,
           greatest(coalesce(o.rate, sa.rate, %(default_daily)s), 1.0) AS rate
    FROM scope sc LEFT JOIN own o ON o.vehicle_id = sc.id LEFT JOIN store_avg sa ON sa.store_id = sc.store_id
), lines AS (
    SELECT r.vehicle_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY st.mileage - r.rate * (st.day - DATE '2000-01-01')) AS intercept
    FROM rated r JOIN steps st ON st.vehicle_id = r.vehicle_id
    GROUP BY r.vehicle_id
), facts AS (
    SELECT r.*, l.intercept, vf.last_service, vf.first_visit, vf.last_visit, lr.last_reading_on,
           lr.last_reading_km,
           coalesce(im.every_km, id.every_km, %(every_km)s) AS every_km,
           coalesce(im.every_months, id.every_months, %(every_months)s) AS every_months,
           coalesce(im.first_km, id.first_km, %(first_km)s) AS first_km,
           coalesce(im.first_months, id.first_months, %(first_months)s) AS first_months
    FROM rated r
    LEFT JOIN lines l ON l.vehicle_id = r.vehicle_id
    LEFT JOIN visit_facts vf ON vf.vehicle_id = r.vehicle_id
    LEFT JOIN last_readings lr ON lr.vehicle_id = r.vehicle_id
    LEFT JOIN visits_serviceinterval im ON im.store_id = r.store_id AND im.model_line <> ''
                                       AND lower(im.model_line) = lower(r.model)
    LEFT JOIN visits_serviceinterval id ON id.store_id = r.store_id AND id.model_line = ''
), due AS (
    SELECT f.*,
           CASE
             WHEN f.last_service IS NOT NULL THEN (f.last_service + make_interval(months => f.every_months))::date
             WHEN f.purchase_date IS NOT NULL THEN (f.purchase_date + make_interval(months => f.first_months))::date
             WHEN f.first_visit IS NOT NULL THEN (f.first_visit + make_interval(months => f.every_months))::date
           END AS by_time,
           -- A car with no reading at all is due by time only.
           CASE
             WHEN f.readings = 0 THEN NULL
             WHEN f.last_service IS NOT NULL THEN f.last_service + ceil(f.every_km / f.rate)::int
             WHEN f.purchase_date IS NOT NULL
               THEN DATE '2000-01-01' + ceil((f.first_km - f.intercept) / f.rate)::int
             ELSE f.first_visit + ceil(f.every_km / f.rate)::int
           END AS by_mileage
    FROM facts f
), final AS (
    SELECT d.*, least(d.by_time, d.by_mileage) AS next_due,
           CASE WHEN d.by_time IS NULL THEN '' WHEN d.by_mileage < d.by_time THEN 'mileage' ELSE 'time' END AS due_by
    FROM due d
)
INSERT INTO visits_vehicleservicedue AS t
    (vehicle_id, store_id, daily_km, daily_km_source, readings, last_reading_on, last_reading_km,
     last_service_on, last_visit_on, next_due_on, next_due_km, due_by, unanswered_reminders,
     stopped_on, stopped_reason, updated_at)
SELECT vehicle_id, store_id, rate, source, readings, last_reading_on, last_reading_km, last_service,
       last_visit, next_due,
       CASE WHEN intercept IS NOT NULL AND next_due IS NOT NULL
            THEN greatest(round(intercept + rate * (next_due - DATE '2000-01-01')), 0)::int END,
       due_by, 0, NULL, '', %(now)s
FROM final
ON CONFLICT (vehicle_id) DO UPDATE SET
    store_id = EXCLUDED.store_id, daily_km = EXCLUDED.daily_km, daily_km_source = EXCLUDED.daily_km_source,
    readings = EXCLUDED.readings, last_reading_on = EXCLUDED.last_reading_on,
    last_reading_km = EXCLUDED.last_reading_km, last_service_on = EXCLUDED.last_service_on,
    last_visit_on = EXCLUDED.last_visit_on, next_due_on = EXCLUDED.next_due_on,
    next_due_km = EXCLUDED.next_due_km, due_by = EXCLUDED.due_by, updated_at = EXCLUDED.updated_at,
    -- A visit after the reminders (or after the car was reported sold) starts afresh.
    unanswered_reminders = CASE WHEN EXCLUDED.last_visit_on IS DISTINCT FROM t.last_visit_on
                                THEN 0 ELSE t.unanswered_reminders END,
    stopped_on = CASE WHEN EXCLUDED.last_visit_on > t.stopped_on THEN NULL ELSE t.stopped_on END,
    stopped_reason = CASE WHEN EXCLUDED.last_visit_on > t.stopped_on THEN '' ELSE t.stopped_reason END
WHERE (t.daily_km, t.daily_km_source, t.readings, t.last_reading_on, t.last_reading_km, t.last_service_on,
       t.last_visit_on, t.next_due_on, t.next_due_km, t.due_by, t.store_id)
      IS DISTINCT FROM
      (EXCLUDED.daily_km, EXCLUDED.daily_km_source, EXCLUDED.readings, EXCLUDED.last_reading_on,
       EXCLUDED.last_reading_km, EXCLUDED.last_service_on, EXCLUDED.last_visit_on, EXCLUDED.next_due_on,
       EXCLUDED.next_due_km, EXCLUDED.due_by, EXCLUDED.store_id)
"""
# Fixed strings, never built from input; the ids are parameters.
_SCOPES = {
    "vehicles": "ve.id = ANY(%(ids)s)",
    "customers": "ve.owner_id = ANY(%(ids)s)",
    "stores": "ve.store_id = ANY(%(ids)s)",
    "all": "TRUE",
}


def recompute_due(*, vehicle_ids=None, customer_ids=None, store_ids=None, now=None) -> int:
    """Recompute the next service due of the given vehicles (or all); returns rows changed."""
    if vehicle_ids is not None:
        scope, ids = "vehicles", list(vehicle_ids)
    elif customer_ids is not None:
        scope, ids = "customers", list(customer_ids)
    elif store_ids is not None:
        scope, ids = "stores", list(store_ids)
    else:
        scope, ids = "all", None
    if ids is not None and not ids:
        return 0
    params = {
        **DEFAULT_INTERVAL, "ids": ids, "now": now or timezone.now(), "max_daily": MAX_DAILY_KM,
        "default_daily": DEFAULT_DAILY_KM, "service_types": SERVICE_TYPES,
    }
    with connection.cursor() as cursor:
        cursor.execute(_RECOMPUTE.format(where=_SCOPES[scope]), params)
        return cursor.rowcount


# Reminders: round 0 from N days before the due date, then one more every `repeat_after_days`
# while the car stays away; the round is in the key, so a day's run twice makes nothing twice.
_REMIND = """
WITH candidates AS (
    SELECT d.vehicle_id, d.store_id, ve.owner_id AS customer_id, d.next_due_on,
           CASE WHEN %(day)s < d.next_due_on + coalesce(p.repeat_after_days, 30) THEN 0
                ELSE (%(day)s - d.next_due_on) / coalesce(p.repeat_after_days, 30) END AS round
    FROM visits_vehicleservicedue d
    JOIN aftersales_store s ON s.id = d.store_id AND s.is_active
    LEFT JOIN visits_carepolicy p ON p.store_id = d.store_id
    JOIN customers_vehicle ve ON ve.id = d.vehicle_id
    JOIN customers_customer c ON c.id = ve.owner_id AND c.merged_into_id IS NULL
    WHERE d.stopped_on IS NULL AND d.next_due_on >= %(day)s - %(stale_days)s
      AND d.next_due_on <= %(day)s + coalesce(p.reminder_days_before, 7)
      AND d.unanswered_reminders < coalesce(p.max_unanswered_reminders, 3)
      AND (%(store_ids)s::bigint[] IS NULL OR d.store_id = ANY(%(store_ids)s))
), made AS (
    INSERT INTO visits_careoccasion (store_id, customer_id, vehicle_id, kind, key, due_on, subject, messaged,
                                     created_at, renewal_outcome, insurer, recall_reason, note)
    SELECT ca.store_id, ca.customer_id, ca.vehicle_id, 'maintenance',
           'maintenance:' || ca.vehicle_id || ':' || ca.next_due_on || ':' || ca.round, ca.next_due_on, '',
           c.mobile <> '' AND cc.granted IS NOT FALSE, %(now)s, '', '', '', ''
    FROM candidates ca
    JOIN customers_customer c ON c.id = ca.customer_id
    LEFT JOIN customers_customerconsent cc ON cc.customer_id = c.id AND cc.channel = 'sms'
    ON CONFLICT (key) DO NOTHING
    RETURNING id, vehicle_id
), counted AS (
    UPDATE visits_vehicleservicedue d
    SET unanswered_reminders = d.unanswered_reminders + 1
    FROM made WHERE d.vehicle_id = made.vehicle_id
    RETURNING d.vehicle_id
)
SELECT id FROM made
"""

# The reminder SMS of the occasions just made (those whose customer takes SMS).
_REMINDER_SMS = OUTBOX_INSERT + """
SELECT o.store_id, o.customer_id, 'maintenance_due', %(purpose)s, 'sms', c.mobile, c.preferred_language,
       {context}, 'care:' || o.key, 'queued', %(now)s, 0, '', '', '', '', '', %(now)s
FROM unnest(%(ids)s::bigint[]) AS made(id)
JOIN visits_careoccasion o ON o.id = made.id
JOIN customers_customer c ON c.id = o.customer_id
JOIN customers_vehicle ve ON ve.id = o.vehicle_id
JOIN aftersales_store s ON s.id = o.store_id
WHERE o.messaged
ON CONFLICT DO NOTHING
""".format(context=message_context_sql("name", "plate", "due", "link"))

# The reminder call: at once for a customer who takes no SMS; after `call_after_days` for one
# who got the SMS and has not come in since.
_REMINDER_CALLS = CALL_COLUMNS + """
SELECT o.store_id, o.customer_id, o.vehicle_id, o.id, r.id, 0, src.due, src.due + r.window_days,
       r.priority + (CASE WHEN c.loyalty_tier = 'loyal' THEN 1 ELSE 0 END), {outcome}, %(now)s, 0, ''
FROM visits_careoccasion o
JOIN aftersales_store s ON s.id = o.store_id
LEFT JOIN visits_carepolicy p ON p.store_id = o.store_id
JOIN visits_followuprule r ON r.store_id = o.store_id AND r.trigger = 'maintenance_due' AND r.is_active
JOIN customers_customer c ON c.id = o.customer_id
JOIN visits_vehicleservicedue d ON d.vehicle_id = o.vehicle_id
LEFT JOIN customers_customerconsent cc ON cc.customer_id = c.id AND cc.channel = 'service_call'
CROSS JOIN LATERAL (
    SELECT CASE WHEN o.messaged THEN (o.created_at AT TIME ZONE s.time_zone)::date
                                     + coalesce(p.call_after_days, 5)
                ELSE (o.created_at AT TIME ZONE s.time_zone)::date END AS due
) AS src
WHERE o.kind = 'maintenance' AND o.created_at >= %(since)s AND src.due <= %(day)s
  AND d.stopped_on IS NULL
  AND (d.last_visit_on IS NULL OR d.last_visit_on < (o.created_at AT TIME ZONE s.time_zone)::date)
  AND (%(store_ids)s::bigint[] IS NULL OR o.store_id = ANY(%(store_ids)s))
ON CONFLICT DO NOTHING
""".format(outcome=call_outcome_sql())

# Cars that used up their reminders stop getting them; their customers get a recall.
_STOP_UNANSWERED = """
UPDATE visits_vehicleservicedue d SET stopped_on = %(day)s, stopped_reason = 'unanswered'
FROM aftersales_store s LEFT JOIN visits_carepolicy p ON p.store_id = s.id
WHERE s.id = d.store_id AND d.stopped_on IS NULL
  AND d.unanswered_reminders >= coalesce(p.max_unanswered_reminders, 3)
  AND (d.next_due_on + coalesce(p.repeat_after_days, 30) * d.unanswered_reminders) <= %(day)s
  AND (%(store_ids)s::bigint[] IS NULL OR d.store_id = ANY(%(store_ids)s))
RETURNING d.vehicle_id
"""


def send_maintenance_reminders(*, day, now, store_ids=None) -> dict:
    """The day's maintenance reminders: occasions, their SMS, the calls due, and the cars that
    stopped answering (returned, for the recall)."""
    params = {"day": day, "now": now, "stale_days": STALE_DAYS, "store_ids": store_ids,
              "purpose": KINDS["maintenance_due"].purpose, "since": now - dt.timedelta(days=60),
              "site_url": settings.SITE_URL.rstrip("/")}
    with connection.cursor() as cursor:
        cursor.execute(_REMIND, params)
        params["ids"] = [row[0] for row in cursor.fetchall()]
        reminded = len(params["ids"])
        cursor.execute(_REMINDER_SMS, params)
        messages = cursor.rowcount
        cursor.execute(_REMINDER_CALLS, params)
        calls = cursor.rowcount
        cursor.execute(_STOP_UNANSWERED, params)
        stopped = [row[0] for row in cursor.fetchall()]
    return {"reminded": reminded, "messages": messages, "calls": calls, "stopped_vehicles": stopped}

