"""Creating the day's follow-ups from repair orders, by the store's rules.

One INSERT … SELECT … ON CONFLICT DO NOTHING per run: the unique constraints decide what
exists, so running twice, concurrently or after a crash creates nothing twice. Each run looks
back LOOKBACK_DAYS, so days the job missed are caught up; a repair order imported late (its
row changed recently) is picked up whenever it closed, and a call whose window has already
passed is created as expired, so the figures count it.
"""
import datetime as dt
import functools
from collections import Counter

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import Store
from customers.models.service import RepairType

from ..models import FollowUp, FollowUpRule
from ..models.followups import SAME_CALL

LOOKBACK_DAYS = 31

Trigger = FollowUpRule.Trigger

# Seed 001's return-visit rules (admins change them per store): (trigger, repair type,
# offsets in days, priority). Major overhauls and warranty work are called first.
DEFAULT_RULES = [
    (Trigger.REPAIR_TYPE, RepairType.MINOR_REPAIR, [3], 0),
    (Trigger.REPAIR_TYPE, RepairType.MAINTENANCE, [3], 0),
    (Trigger.REPAIR_TYPE, RepairType.SECONDARY_MAINTENANCE, [10], 0),
    (Trigger.REPAIR_TYPE, RepairType.MAJOR_OVERHAUL, [10, 30, 90], 2),
    (Trigger.REPAIR_TYPE, RepairType.WARRANTY, [3], 1),
    (Trigger.REPAIR_TYPE, RepairType.ACCIDENT, [3], 1),
    (Trigger.DECLINED_WORK, "", [14], 0),
    (Trigger.NEW_CAR, "", [3], 1),
    # Monthly for three months after the latest dissatisfaction or complaint (seed 001: 按月跟踪).
    (Trigger.CARE_CALL, "", [30, 60, 90], 1),
]


# A starting call script (话术) per kind of call, in the store's own words once an admin edits it.
DEFAULT_SCRIPTS = {
    Trigger.REPAIR_TYPE: (
        "您好，请问是{客户}{称呼}吗？我是{门店}的客服专员，您前几天在我店做了车辆维修保养，"
        "想占用您两分钟做个回访，可以吗？\n"
        "1. 预约和接待是否顺利？2. 服务顾问的服务是否满意？3. 车辆问题是否一次修好？"
        "4. 交车是否准时？5. 休息区和车辆是否干净？6. 交车时费用是否解释清楚？\n"
        "总体来说，您对这次服务打几分（1–5分）？还有什么建议？\n"
        "感谢您的支持，祝您用车愉快！"
    ),
    Trigger.DECLINED_WORK: (
        "您好，我是{门店}的客服专员。上次您来店时技师建议的项目（见委托书）当时暂未处理，"
        "为了行车安全，建议您近期安排检查。需要我帮您预约时间吗？"
    ),
    Trigger.NEW_CAR: (
        "您好，我是{门店}的客服专员，恭喜您提车！新车使用还习惯吗？"
        "销售顾问的讲解是否清楚？交车时功能讲解和资料交接是否完整？您对购车过程满意吗？"
    ),
    Trigger.CARE_CALL: (
        "您好，我是{门店}的客服专员。上次您反映的问题我们一直在跟进，"
        "想了解一下现在车辆和服务的情况您是否满意？还有什么需要我们改进的地方？"
    ),
}


def ensure_default_rules(store) -> int:
    """Give a store the default rules it does not have yet; returns how many were added."""
    existing = set(FollowUpRule.objects.filter(store=store).values_list("trigger", "repair_type"))
    missing = [
        FollowUpRule(store=store, trigger=trigger, repair_type=repair_type,
                     offsets_days=offsets, priority=priority, call_script=DEFAULT_SCRIPTS.get(trigger, ""))
        for trigger, repair_type, offsets, priority in DEFAULT_RULES
        if (trigger, repair_type) not in existing
    ]
    FollowUpRule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


# The same outcome columns for both sources of follow-ups: skipped when the customer must not
# be contacted or refused service calls (with the reason, so it is counted), expired when the
# window has already passed, else to be called.
_OUTCOME = """
    CASE WHEN c.do_not_contact OR cc.granted IS FALSE THEN 'skipped'
         WHEN src.due + r.window_days < %(day)s THEN 'expired'
         ELSE 'pending' END,
    CASE WHEN c.do_not_contact THEN 'do_not_contact'
         WHEN cc.granted IS FALSE THEN 'refused_calls'
         ELSE '' END,
    CASE WHEN c.do_not_contact OR cc.granted IS FALSE OR src.due + r.window_days < %(day)s
         THEN %(now)s END
"""

# Cars in warranty (seed 000: 100% of their return visits) and loyal customers are called first.
_PRIORITY = """
    r.priority + (CASE WHEN ve.warranty_end >= src.due THEN 1 ELSE 0 END)
               + (CASE WHEN c.loyalty_tier = %(loyal)s THEN 1 ELSE 0 END)
"""

_COLUMNS = """
INSERT INTO {followup} (store_id, customer_id, vehicle_id, visit_id, dissatisfaction_id, complaint_id,
                             rule_id, offset_days, due_on, expires_on, priority, status, skip_reason,
                             finished_at, created_at, attempt_count, outcome)
"""

_FROM_REPAIR_ORDERS = """{columns}
SELECT src.store_id, src.customer_id, src.vehicle_id, src.visit_id, NULL, NULL, r.id, src.days, src.due,
       src.due + r.window_days, {priority}, {outcome}, %(now)s, 0, ''
FROM {rule} r
JOIN {store} s ON s.id = r.store_id
CROSS JOIN LATERAL (
    SELECT v.store_id, v.customer_id, v.vehicle_id, v.id AS visit_id, o.days,
           (v.closed_at AT TIME ZONE s.time_zone)::date + o.days AS due
    FROM unnest(r.offsets_days) AS o(days)
    JOIN {servicevisit} v ON v.store_id = r.store_id
    WHERE v.status = %(visit_closed)s AND v.closed_at IS NOT NULL
      AND ((r.trigger = 'repair_type' AND v.repair_type = r.repair_type)
           OR (r.trigger = 'declined_work' AND v.declined_work <> ''))
      AND v.closed_at < %(day_end)s
      AND (v.closed_at >= %(lookback_start)s - make_interval(days => o.days)
           OR v.updated_at >= %(lookback_start)s)
) AS src
JOIN {customer} c ON c.id = src.customer_id
JOIN {vehicle} ve ON ve.id = src.vehicle_id
LEFT JOIN {consent} cc ON cc.customer_id = c.id AND cc.channel = %(service_call)s
WHERE r.is_active AND r.trigger IN ('repair_type', 'declined_work') AND src.due <= %(day)s
  AND s.is_active AND (%(store_ids)s::bigint[] IS NULL OR r.store_id = ANY(%(store_ids)s))
ON CONFLICT DO NOTHING
RETURNING status
"""

_FROM_DELIVERIES = """{columns}
SELECT src.store_id, src.customer_id, src.vehicle_id, NULL, NULL, NULL, r.id, src.days, src.due,
       src.due + r.window_days, {priority}, {outcome}, %(now)s, 0, ''
FROM {rule} r
JOIN {store} s ON s.id = r.store_id
CROSS JOIN LATERAL (
    SELECT ve.store_id, ve.owner_id AS customer_id, ve.id AS vehicle_id, o.days,
           ve.purchase_date + o.days AS due
    FROM unnest(r.offsets_days) AS o(days)
    JOIN {vehicle} ve ON ve.store_id = r.store_id
    WHERE ve.bought_here AND ve.purchase_date IS NOT NULL
      AND ve.purchase_date <= %(day)s
      AND (ve.purchase_date >= %(lookback_start)s::date - o.days OR ve.updated_at >= %(lookback_start)s)
) AS src
JOIN {customer} c ON c.id = src.customer_id
JOIN {vehicle} ve ON ve.id = src.vehicle_id
LEFT JOIN {consent} cc ON cc.customer_id = c.id AND cc.channel = %(service_call)s
WHERE r.is_active AND r.trigger = 'new_car' AND src.due <= %(day)s
  AND s.is_active AND (%(store_ids)s::bigint[] IS NULL OR r.store_id = ANY(%(store_ids)s))
ON CONFLICT DO NOTHING
RETURNING status
"""

# Care calls (seed 001: 不满意客户档案, 按月跟踪): 30, 60 and 90 days after a customer's latest
# unhappy event, which is either a dissatisfaction found on a return-visit call (not dismissed)
# or a complaint registered on its own (not cancelled; one that came from a dissatisfaction is
# that dissatisfaction's event and gets no calls of its own). A newer event of either kind
# restarts the count, so an older one's later calls are not made. The call is about the
# dissatisfaction's or complaint's repair-order car, else (a complaint without one) the car of
# the customer's most recently updated; a customer with no car on file gets no call.
_FROM_UNHAPPY_EVENTS = """{columns}
SELECT src.store_id, src.customer_id, src.vehicle_id, NULL, src.dissatisfaction_id, src.complaint_id, r.id,
       src.days, src.due, src.due + r.window_days, {priority}, {outcome}, %(now)s, 0, ''
FROM {rule} r
JOIN {store} s ON s.id = r.store_id
CROSS JOIN LATERAL (
    SELECT d.store_id, d.customer_id, COALESCE(v.vehicle_id, f.vehicle_id) AS vehicle_id,
           d.id AS dissatisfaction_id, NULL::bigint AS complaint_id, d.created_at, o.days,
           (d.created_at AT TIME ZONE s.time_zone)::date + o.days AS due
    FROM unnest(r.offsets_days) AS o(days)
    JOIN {dissatisfaction} d ON d.store_id = r.store_id
    LEFT JOIN {servicevisit} v ON v.id = d.visit_id
    LEFT JOIN {followup} f ON f.id = d.followup_id
    WHERE d.created_at < %(day_end)s AND d.status <> %(dismissed)s
      AND d.created_at >= %(lookback_start)s - make_interval(days => o.days)
    UNION ALL
    SELECT cp.store_id, cp.customer_id,
           COALESCE(v.vehicle_id, (SELECT own.id FROM {vehicle} own
                                   WHERE own.owner_id = cp.customer_id
                                   ORDER BY own.updated_at DESC, own.id DESC LIMIT 1)),
           NULL, cp.id, cp.created_at, o.days,
           (cp.created_at AT TIME ZONE s.time_zone)::date + o.days
    FROM unnest(r.offsets_days) AS o(days)
    JOIN {complaint} cp ON cp.store_id = r.store_id
    LEFT JOIN {servicevisit} v ON v.id = cp.visit_id
    WHERE cp.dissatisfaction_id IS NULL AND cp.status <> %(complaint_cancelled)s AND cp.created_at < %(day_end)s
      AND cp.created_at >= %(lookback_start)s - make_interval(days => o.days)
) AS src
JOIN {customer} c ON c.id = src.customer_id
JOIN {vehicle} ve ON ve.id = src.vehicle_id
LEFT JOIN {consent} cc ON cc.customer_id = c.id AND cc.channel = %(service_call)s
WHERE r.is_active AND r.trigger = 'care_call' AND src.due <= %(day)s
  AND s.is_active AND (%(store_ids)s::bigint[] IS NULL OR r.store_id = ANY(%(store_ids)s))
  AND NOT EXISTS (
      SELECT 1 FROM {dissatisfaction} newer
      WHERE newer.customer_id = src.customer_id AND newer.created_at > src.created_at AND newer.status <> %(dismissed)s
        AND (newer.created_at AT TIME ZONE s.time_zone)::date <= src.due)
  AND NOT EXISTS (
      SELECT 1 FROM {complaint} newer
      WHERE newer.customer_id = src.customer_id AND newer.created_at > src.created_at
        AND newer.dissatisfaction_id IS NULL AND newer.status <> %(complaint_cancelled)s
        AND (newer.created_at AT TIME ZONE s.time_zone)::date <= src.due)
ON CONFLICT DO NOTHING
RETURNING status
"""

# Two calls to the same customer on the same day become one, which stays in the queue (with
# the higher of their priorities) and covers the others; they follow its outcome. The one kept
# is a call already being worked if there is one, else a return visit after a repair order (so
# the survey is asked), else the first created.
_MERGE_SAME_DAY = """
WITH grouped AS (
    SELECT f.id, f.priority,
           first_value(f.id) OVER (
               PARTITION BY {same_call}
               ORDER BY (f.claimed_until IS NOT NULL OR f.attempt_count > 0) DESC,
                        (f.visit_id IS NOT NULL AND r.trigger = 'repair_type') DESC, f.id
           ) AS primary_id
    FROM {followup} f
    JOIN {rule} r ON r.id = f.rule_id
    WHERE f.status = 'pending' AND f.merged_into_id IS NULL AND f.due_on >= %(since)s
      AND (%(store_ids)s::bigint[] IS NULL OR f.store_id = ANY(%(store_ids)s))
), covered AS (
    UPDATE {followup} f SET merged_into_id = g.primary_id, claimed_by_id = NULL,
                                 claimed_until = NULL
    FROM grouped g
    WHERE f.id = g.id AND g.primary_id <> g.id
    RETURNING f.merged_into_id, f.priority
)
UPDATE {followup} p SET priority = top.priority
FROM (SELECT merged_into_id, max(priority) AS priority FROM covered GROUP BY merged_into_id) top
WHERE p.id = top.merged_into_id AND p.priority < top.priority
"""

# A covered call follows the call that covers it: finished with it, or on its own again when
# that call was cancelled.
_SETTLE_COVERED = """
WITH settled AS (
    UPDATE {followup} f
    SET status = CASE WHEN p.status = 'cancelled' THEN 'pending' ELSE p.status END,
        outcome = CASE WHEN p.status = 'cancelled' THEN '' ELSE p.outcome END,
        finished_at = CASE WHEN p.status = 'cancelled' THEN NULL ELSE p.finished_at END,
        merged_into_id = CASE WHEN p.status = 'cancelled' THEN NULL ELSE f.merged_into_id END
    FROM {followup} p
    WHERE f.merged_into_id = p.id AND f.status = 'pending' AND p.status <> 'pending'
    RETURNING 1
)
SELECT count(*) FROM settled
"""


@functools.cache
def _sql():
    """The statements with the tables' real names, taken from the models (another app's
    through the app registry: visits does not import the complaints models)."""
    from customers.models import Customer, CustomerConsent, ServiceVisit, Vehicle

    from ..models import Dissatisfaction

    tables = {
        "rule": FollowUpRule._meta.db_table, "followup": FollowUp._meta.db_table,
        "dissatisfaction": Dissatisfaction._meta.db_table, "store": Store._meta.db_table,
        "servicevisit": ServiceVisit._meta.db_table, "consent": CustomerConsent._meta.db_table,
        "customer": Customer._meta.db_table, "vehicle": Vehicle._meta.db_table,
        "complaint": apps.get_model("complaints", "Complaint")._meta.db_table,
    }
    fragments = {
        "columns": _COLUMNS.format(**tables), "outcome": _OUTCOME, "priority": _PRIORITY,
        "same_call": ", ".join(f"f.{column}" for column in SAME_CALL),
    }
    return {
        name: statement.format(**tables, **fragments)
        for name, statement in (
            ("repair_orders", _FROM_REPAIR_ORDERS), ("deliveries", _FROM_DELIVERIES),
            ("unhappy_events", _FROM_UNHAPPY_EVENTS), ("merge", _MERGE_SAME_DAY), ("settle", _SETTLE_COVERED),
        )
    }


def _values():
    """The status and choice values the statements compare with, as parameters."""
    from customers.models import CustomerConsent, ServiceVisit
    from customers.models.people import LoyaltyTier

    from ..models import Dissatisfaction

    return {
        "visit_closed": ServiceVisit.Status.CLOSED, "dismissed": Dissatisfaction.Status.DISMISSED,
        "complaint_cancelled": apps.get_model("complaints", "Complaint").Status.CANCELLED,
        "service_call": CustomerConsent.Channel.SERVICE_CALL, "loyal": LoyaltyTier.LOYAL,
    }


def settle_covered() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_sql()["settle"])
        return cursor.fetchone()[0]


def merge_same_day(*, since, store_ids=None):
    with connection.cursor() as cursor:
        cursor.execute(_sql()["merge"], {"since": since, "store_ids": store_ids})


@transaction.atomic
def create_followups(*, day=None, store_ids=None) -> Counter:
    """Create every follow-up due by `day` (default today) that does not exist yet.
    Returns how many were created, by status (pending, expired, skipped)."""
    day = day or timezone.localdate()
    for store in Store.objects.filter(is_active=True):
        ensure_default_rules(store)
    zone = timezone.get_current_timezone()
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    lookback_start = dt.datetime.combine(day - dt.timedelta(days=LOOKBACK_DAYS), dt.time(), tzinfo=zone)
    params = {
        "day": day, "day_end": day_end, "lookback_start": lookback_start, "now": timezone.now(),
        "store_ids": list(store_ids) if store_ids is not None else None, **_values(),
    }
    created = Counter()
    with connection.cursor() as cursor:
        statements = _sql()
        for name in ("repair_orders", "deliveries", "unhappy_events"):
            cursor.execute(statements[name], params)
            created.update(status for (status,) in cursor.fetchall())
    merge_same_day(since=day - dt.timedelta(days=LOOKBACK_DAYS), store_ids=params["store_ids"])
    return created


def cancel_obsolete() -> int:
    """Pending calls that no longer make sense are cancelled (kept, with their status): the
    repair order was re-opened or cancelled, or the vehicle now belongs to someone else. Two
    statements, each a walk over the pending calls with key lookups (one with an OR would
    read the whole repair-order table)."""
    from customers.models import ServiceVisit, Vehicle

    table = FollowUp._meta.db_table
    cancel = (
        f"UPDATE {table} AS f SET status = 'cancelled', finished_at = now(), "
        "claimed_by_id = NULL, claimed_until = NULL"
    )
    cancelled = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{cancel} FROM {ServiceVisit._meta.db_table} v
            WHERE f.status = 'pending' AND v.id = f.visit_id AND v.status <> %s""", [ServiceVisit.Status.CLOSED]
        )
        cancelled += cursor.rowcount
        cursor.execute(
            f"""{cancel} FROM {Vehicle._meta.db_table} ve
            WHERE f.status = 'pending' AND ve.id = f.vehicle_id AND ve.owner_id <> f.customer_id"""
        )
        cancelled += cursor.rowcount
    settle_covered()
    return cancelled


def expire_overdue(*, day=None, now=None) -> int:
    """Calls not made within their window expire (counted as such, never deleted)."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    expired = FollowUp.objects.in_queue().filter(expires_on__lt=day).update(
        status=FollowUp.Status.EXPIRED, finished_at=now, claimed_by=None, claimed_until=None
    )
    settle_covered()
    return expired
