"""Reads of customer care, for the pages and for the KPI module (kpi reads visits through
visits.selectors, which re-exports these): renewal rate, recall reasons, won-back customers,
a customer's care timeline and a campaign's progress. Aggregates in SQL."""
import datetime as dt

from django.core.cache import cache
from django.db import connections, router
from django.db.models import Count
from django.db.models.functions import TruncMonth

from visits.models import CareOccasion, RenewalOutcome


def _reading_cursor():
    """A cursor where the ORM would read care's rows: the reports replica inside the KPI
    pages' reading_reports(), else the primary (aftersales.db_routers)."""
    return connections[router.db_for_read(CareOccasion)].cursor()


WON_BACK_WITHIN_DAYS = 180
# A maintenance reminder converts when the customer books an appointment from it (source
# "maintenance reminder", not cancelled) or opens a repair order (not cancelled) within this many
# days of the reminder; the same 30 days a campaign's "came in" counts.
REMINDER_BOOKED_WITHIN_DAYS = 30
CAME_IN_CACHE_SECONDS = 60

# The latest outcome of each policy (vehicle, expiry day) of the renewal calls of [since, until):
# renewal_rate and kpi_care_counts read policies through this one definition.
_LATEST_RENEWALS = """
    SELECT DISTINCT ON (o.vehicle_id, o.due_on) o.store_id, o.due_on, o.renewal_outcome
    FROM visits_careoccasion o
    WHERE o.kind = 'insurance' AND o.store_id = ANY(%(stores)s)
      AND o.due_on >= %(since)s AND o.due_on < %(until)s
    ORDER BY o.vehicle_id, o.due_on, (o.renewal_outcome <> '') DESC, o.outcome_at DESC NULLS LAST
"""
# A recalled customer is won back by a repair order (not cancelled) opened after the recall and
# within WON_BACK_WITHIN_DAYS: won_back_by_month and kpi_care_counts share it.
_WON_BACK = """EXISTS (
    SELECT 1 FROM customers_servicevisit v
    WHERE v.customer_id = o.customer_id AND v.status <> 'cancelled' AND v.opened_at > o.created_at
      AND v.opened_at < o.created_at + make_interval(days => %(within)s))"""


def renewal_rate(*, store_ids, since: dt.date, until: dt.date) -> list[dict]:
    """Per store, the policies expiring in [since, until) that renewal calls covered: renewed
    with us, renewed elsewhere, not yet, sold, no answer yet; rate = renewed with us / those
    decided or still open (a sold car leaves the base)."""
    sql = """
    WITH latest AS (""" + _LATEST_RENEWALS + """)
    SELECT store_id, count(*) AS due,
           count(*) FILTER (WHERE renewal_outcome = 'renewed_here') AS renewed_here,
           count(*) FILTER (WHERE renewal_outcome = 'renewed_elsewhere') AS renewed_elsewhere,
           count(*) FILTER (WHERE renewal_outcome = 'not_yet') AS not_yet,
           count(*) FILTER (WHERE renewal_outcome = 'sold_car') AS sold_car,
           count(*) FILTER (WHERE renewal_outcome = '') AS unknown
    FROM latest GROUP BY store_id ORDER BY store_id
    """
    with _reading_cursor() as cursor:
        cursor.execute(sql, {"stores": list(store_ids), "since": since, "until": until})
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    for row in rows:
        base = row["due"] - row["sold_car"]
        row["rate"] = row["renewed_here"] / base if base else None
    return rows


def insurers_chosen_elsewhere(*, store_ids, since, until):
    """Which insurers the customers who renewed elsewhere chose, most frequent first."""
    return list(
        CareOccasion.objects.filter(kind=CareOccasion.Kind.INSURANCE, store_id__in=store_ids,
                                    renewal_outcome=RenewalOutcome.RENEWED_ELSEWHERE,
                                    due_on__gte=since, due_on__lt=until)
        .values("insurer").annotate(count=Count("id")).order_by("-count", "insurer")
    )


def recall_reasons_by_month(*, store_ids, since: dt.date, until: dt.date) -> list[dict]:
    """Why lost customers stayed away, counted per store and month of the answer."""
    return list(
        CareOccasion.objects.filter(kind=CareOccasion.Kind.RECALL, store_id__in=store_ids,
                                    outcome_at__date__gte=since, outcome_at__date__lt=until)
        .exclude(recall_reason="")
        .annotate(month=TruncMonth("outcome_at"))
        .values("store_id", "month", "recall_reason")
        .annotate(count=Count("id"))
        .order_by("store_id", "month", "-count", "recall_reason")
    )


def lost_customer_reasons(*, store_ids, since: dt.date, until: dt.date) -> list[dict]:
    """recall_reasons_by_month with each reason's label and the month as a date, for reports."""
    from visits.models import RecallReason

    labels = dict(RecallReason.choices)
    rows = []
    for row in recall_reasons_by_month(store_ids=store_ids, since=since, until=until):
        month = row["month"]
        rows.append({**row, "month": month.date() if isinstance(month, dt.datetime) else month,
                     "label": str(labels.get(row["recall_reason"], row["recall_reason"]))})
    return rows


def won_back_by_month(*, store_ids, since: dt.date, until: dt.date) -> list[dict]:
    """Per store and month of the recall: customers recalled, and those of them who came back
    (a repair order opened after the recall, within WON_BACK_WITHIN_DAYS)."""
    sql = """
    SELECT o.store_id, date_trunc('month', o.created_at AT TIME ZONE s.time_zone)::date AS month,
           count(*) AS recalled,
           count(*) FILTER (WHERE """ + _WON_BACK + """) AS won_back
    FROM visits_careoccasion o JOIN aftersales_store s ON s.id = o.store_id
    WHERE o.kind = 'recall' AND o.store_id = ANY(%(stores)s)
      AND o.created_at >= %(since)s AND o.created_at < %(until)s
    GROUP BY o.store_id, month ORDER BY o.store_id, month
    """
    with _reading_cursor() as cursor:
        cursor.execute(sql, {"stores": list(store_ids), "since": since, "until": until,
                             "within": WON_BACK_WITHIN_DAYS})
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def kpi_care_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    """Customer care for the KPI module, one statement, by store and period bucket ([start, end)
    in local dates of `zone`):
    - `renewals_due`, `renewed_here`, `renewal_base`: the policies expiring in the period (by
      expiry day) with renewal_rate's definition — rate = renewed with us / (policies − cars sold);
    - `reminders`, `reminders_booked`: maintenance reminders sent in the period (by the day the
      occasion was made) and those followed within REMINDER_BOOKED_WITHIN_DAYS by a booking from the
      reminder or a repair order (not cancelled either);
    - `recalled`, `won_back`: lost-customer recalls made in the period and the customers won back
      (won_back_by_month's definition)."""
    from appointments.selectors import reminder_booking_exists

    buckets = ("day", "week", "month", "quarter", "year")
    if bucket is not None and bucket not in buckets:
        raise ValueError(f"unknown bucket {bucket!r}")
    if set(by) - {"store"}:
        raise ValueError("customer care is grouped by store only")
    columns = ["store_id"] if "store" in by else []
    if bucket:
        columns.append("date_trunc(%(bucket)s, day::timestamp)::date")
    select = "".join(f"{column} AS {name}, " for column, name in zip(columns, [*by, "bucket"], strict=False))
    group = f" GROUP BY {', '.join(str(n + 1) for n in range(len(columns)))}" if columns else ""
    booked, booked_params = reminder_booking_exists(customer="o.customer_id", since="o.created_at",
                                                    within_days_param="booked_within")
    sql = f"""
    WITH latest AS ({_LATEST_RENEWALS}),
    occasions AS (
        SELECT store_id, due_on AS day, 'renewal' AS part, renewal_outcome AS outcome, false AS hit FROM latest
        UNION ALL
        SELECT o.store_id, (o.created_at AT TIME ZONE %(zone)s)::date, 'reminder', '',
               {booked} OR EXISTS (
                   SELECT 1 FROM customers_servicevisit v
                   WHERE v.customer_id = o.customer_id AND v.status <> 'cancelled' AND v.opened_at >= o.created_at
                     AND v.opened_at < o.created_at + make_interval(days => %(booked_within)s))
        FROM visits_careoccasion o
        WHERE o.kind = 'maintenance' AND o.store_id = ANY(%(stores)s)
          AND o.created_at >= %(begin)s AND o.created_at < %(finish)s
        UNION ALL
        SELECT o.store_id, (o.created_at AT TIME ZONE %(zone)s)::date, 'recall', '', {_WON_BACK}
        FROM visits_careoccasion o
        WHERE o.kind = 'recall' AND o.store_id = ANY(%(stores)s)
          AND o.created_at >= %(begin)s AND o.created_at < %(finish)s
    )
    SELECT {select}
           count(*) FILTER (WHERE part = 'renewal') AS renewals_due,
           count(*) FILTER (WHERE part = 'renewal' AND outcome = 'renewed_here') AS renewed_here,
           count(*) FILTER (WHERE part = 'renewal' AND outcome <> 'sold_car') AS renewal_base,
           count(*) FILTER (WHERE part = 'reminder') AS reminders,
           count(*) FILTER (WHERE part = 'reminder' AND hit) AS reminders_booked,
           count(*) FILTER (WHERE part = 'recall') AS recalled,
           count(*) FILTER (WHERE part = 'recall' AND hit) AS won_back
    FROM occasions{group}"""
    begin = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    finish = dt.datetime.combine(end, dt.time(), tzinfo=zone)
    params = {"stores": list(store_ids), "since": start, "until": end, "begin": begin, "finish": finish,
              "zone": str(zone), "bucket": bucket, "within": WON_BACK_WITHIN_DAYS,
              "booked_within": REMINDER_BOOKED_WITHIN_DAYS, **booked_params}
    with _reading_cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def customer_care(customer, limit=50):
    """The customer's reminders, greetings, recalls and campaign invitations, newest first, each
    with what became of its message and its call (one query)."""
    from django.db.models import CharField, OuterRef, Subquery, Value
    from django.db.models.functions import Concat

    from aftersales.messaging.models import OutboundMessage
    from visits.models import FollowUp

    message = OutboundMessage.objects.filter(
        idempotency_key=Concat(Value("care:"), OuterRef("key"), output_field=CharField())
    )
    call = FollowUp.objects.filter(care_occasion=OuterRef("pk"))
    return list(
        CareOccasion.objects.filter(customer=customer).select_related("vehicle", "campaign")
        .annotate(message_status=Subquery(message.values("status")[:1]),
                  message_reason=Subquery(message.values("suppression_reason")[:1]),
                  call_status=Subquery(call.values("status")[:1]))
        .order_by("-created_at", "-id")[:limit]
    )


def campaign_progress(campaign) -> dict:
    """Queued, sent, suppressed (by reason) and failed messages of a campaign, its calls, and the
    customers who came in (a repair order) within 30 days of it. Aggregates in SQL."""
    sql = """
    SELECT m.status, m.suppression_reason, count(*)
    FROM visits_careoccasion o
    JOIN aftersales_outboundmessage m ON m.idempotency_key = 'care:' || o.key
    WHERE o.campaign_id = %(campaign)s AND o.messaged
    GROUP BY m.status, m.suppression_reason
    """
    counts = {"queued": 0, "sending": 0, "sent": 0, "failed": 0, "suppressed": 0}
    suppressed = {}
    with _reading_cursor() as cursor:
        cursor.execute(sql, {"campaign": campaign.pk})
        for status, reason, count in cursor.fetchall():
            counts[status] = counts.get(status, 0) + count
            if status == "suppressed":
                suppressed[reason] = suppressed.get(reason, 0) + count
    calls = _campaign_calls(campaign) if campaign.make_calls else 0
    # The page polls every 2 s while a campaign sends; who came in moves by the day, so one
    # count a minute serves every poll (100,000 recipients cost ~0.5 s to check).
    # (The creation time in the key: a reset test database hands out the same ids again.)
    key = f"care:campaign:{campaign.pk}:{campaign.created_at.timestamp()}:came_in"
    came_in = cache.get_or_set(key, lambda: _campaign_came_in(campaign), CAME_IN_CACHE_SECONDS)
    messages = sum(counts.values())
    done = counts["sent"] + counts["failed"] + counts["suppressed"]
    return {
        **counts, "messages": messages, "calls": calls, "came_in": came_in,
        "suppressed_by_reason": [(_suppression_label(reason), count) for reason, count
                                 in sorted(suppressed.items(), key=lambda item: -item[1])],
        "percent": round(100 * done / messages) if messages else (100 if campaign.status == "queued" else 0),
        "finished": campaign.status in ("queued", "failed") and done == messages,
    }


def _campaign_calls(campaign):
    with _reading_cursor() as cursor:
        cursor.execute("SELECT count(*) FROM visits_careoccasion o JOIN visits_followup f ON f.care_occasion_id = o.id "
                       "WHERE o.campaign_id = %s", [campaign.pk])
        return cursor.fetchone()[0]


def _campaign_came_in(campaign):
    """Recipients with a repair order (not cancelled) within 30 days of their invitation."""
    with _reading_cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM visits_careoccasion o
            WHERE o.campaign_id = %(campaign)s AND EXISTS (
                SELECT 1 FROM customers_servicevisit v
                WHERE v.customer_id = o.customer_id AND v.status <> 'cancelled'
                  AND v.opened_at >= o.created_at AND v.opened_at < o.created_at + interval '30 days')
            """,
            {"campaign": campaign.pk},
        )
        return cursor.fetchone()[0]


def _suppression_label(code):
    from aftersales.messaging.models import OutboundMessage

    choices = OutboundMessage.Suppression
    return choices(code).label if code in choices.values else code


__all__ = ["campaign_progress", "customer_care", "insurers_chosen_elsewhere", "kpi_care_counts",
           "lost_customer_reasons", "recall_reasons_by_month", "renewal_rate", "won_back_by_month"]
