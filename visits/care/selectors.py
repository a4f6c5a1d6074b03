"""Reads of customer care, for the pages and for the KPI module (kpi reads visits through
visits.selectors, which re-exports these): renewal rate, recall reasons, won-back customers,
a customer's care timeline and a campaign's progress. Aggregates in SQL."""
import datetime as dt

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth

from visits.models import CareOccasion, RenewalOutcome

WON_BACK_WITHIN_DAYS = 180


def renewal_rate(*, store_ids, since: dt.date, until: dt.date) -> list[dict]:
    """Per store, the policies expiring in [since, until) that renewal calls covered: renewed
    with us, renewed elsewhere, not yet, sold, no answer yet; rate = renewed with us / those
    decided or still open (a sold car leaves the base)."""
    sql = """
    WITH latest AS (
        SELECT DISTINCT ON (o.vehicle_id, o.due_on) o.store_id, o.renewal_outcome
        FROM visits_careoccasion o
        WHERE o.kind = 'insurance' AND o.store_id = ANY(%(stores)s)
          AND o.due_on >= %(since)s AND o.due_on < %(until)s
        ORDER BY o.vehicle_id, o.due_on, (o.renewal_outcome <> '') DESC, o.outcome_at DESC NULLS LAST
    )
    SELECT store_id, count(*) AS due,
           count(*) FILTER (WHERE renewal_outcome = 'renewed_here') AS renewed_here,
           count(*) FILTER (WHERE renewal_outcome = 'renewed_elsewhere') AS renewed_elsewhere,
           count(*) FILTER (WHERE renewal_outcome = 'not_yet') AS not_yet,
           count(*) FILTER (WHERE renewal_outcome = 'sold_car') AS sold_car,
           count(*) FILTER (WHERE renewal_outcome = '') AS unknown
    FROM latest GROUP BY store_id ORDER BY store_id
    """
    with connection.cursor() as cursor:
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


def won_back_by_month(*, store_ids, since: dt.date, until: dt.date) -> list[dict]:
    """Per store and month of the recall: customers recalled, and those of them who came back
    (a repair order opened after the recall, within WON_BACK_WITHIN_DAYS)."""
    sql = """
    SELECT o.store_id, date_trunc('month', o.created_at AT TIME ZONE s.time_zone)::date AS month,
           count(*) AS recalled,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM customers_servicevisit v
               WHERE v.customer_id = o.customer_id AND v.status <> 'cancelled' AND v.opened_at > o.created_at
                 AND v.opened_at < o.created_at + make_interval(days => %(within)s))) AS won_back
    FROM visits_careoccasion o JOIN aftersales_store s ON s.id = o.store_id
    WHERE o.kind = 'recall' AND o.store_id = ANY(%(stores)s)
      AND o.created_at >= %(since)s AND o.created_at < %(until)s
    GROUP BY o.store_id, month ORDER BY o.store_id, month
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"stores": list(store_ids), "since": since, "until": until,
                             "within": WON_BACK_WITHIN_DAYS})
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


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
    with connection.cursor() as cursor:
        cursor.execute(sql, {"campaign": campaign.pk})
        for status, reason, count in cursor.fetchall():
            counts[status] = counts.get(status, 0) + count
            if status == "suppressed":
                suppressed[reason] = suppressed.get(reason, 0) + count
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE f.id IS NOT NULL),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM customers_servicevisit v
                       WHERE v.customer_id = o.customer_id AND v.status <> 'cancelled'
                         AND v.opened_at >= o.created_at AND v.opened_at < o.created_at + interval '30 days'))
            FROM visits_careoccasion o LEFT JOIN visits_followup f ON f.care_occasion_id = o.id
            WHERE o.campaign_id = %(campaign)s
            """,
            {"campaign": campaign.pk},
        )
        calls, came_in = cursor.fetchone()
    messages = sum(counts.values())
    done = counts["sent"] + counts["failed"] + counts["suppressed"]
    return {
        **counts, "messages": messages, "calls": calls, "came_in": came_in,
        "suppressed_by_reason": [(_suppression_label(reason), count) for reason, count
                                 in sorted(suppressed.items(), key=lambda item: -item[1])],
        "percent": round(100 * done / messages) if messages else (100 if campaign.status == "queued" else 0),
        "finished": campaign.status in ("queued", "failed") and done == messages,
    }


def _suppression_label(code):
    from aftersales.messaging.models import OutboundMessage

    choices = OutboundMessage.Suppression
    return choices(code).label if code in choices.values else code


__all__ = ["campaign_progress", "customer_care", "insurers_chosen_elsewhere", "recall_reasons_by_month",
           "renewal_rate", "won_back_by_month"]
