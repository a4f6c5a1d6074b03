"""Campaigns (活动邀请, seed 000: loyal customers told first of every event): a segment of a
store's customers (or, for a group campaign, of every store's), an SMS and/or a call each,
queued in batches by a Celery task.

Set-wise and once: each batch is one statement, INSERT … SELECT … ON CONFLICT DO NOTHING of
occasions keyed by campaign and customer with their outbox rows (idempotency key derived from
the occasion's) and calls, so a double click or a retried task sends nothing twice. The outbox
applies consent, do-not-contact, the daily marketing cap and quiet hours when it sends, and
records every suppression with its reason."""


from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from aftersales.jobs import enqueue_on_commit
from aftersales.messaging.kinds import KINDS
from aftersales.models import Store
from customers.models import Customer, CustomerConsent, Vehicle
from visits.models import Campaign

from .calls import CALL_COLUMNS, call_outcome_sql, ensure_care_rules
from .messages import OUTBOX_INSERT, message_context_sql

BATCH_SIZE = 5000
SAMPLE_SIZE = 10


def segment_customers(store_id, segment: dict, *, today=None):
    """The customers of a segment: a queryset of the store's active customers, or of every
    active store's for a group campaign (store_id None). The form checks the values; unknown
    keys are ignored."""
    today = today or timezone.localdate()
    customers = Customer.objects.active()
    customers = (customers.filter(store_id=store_id) if store_id is not None
                 else customers.filter(store__is_active=True))
    if segment.get("tiers"):
        customers = customers.filter(loyalty_tier__in=segment["tiers"])
    if segment.get("model"):
        customers = customers.filter(Exists(Vehicle.objects.filter(owner=OuterRef("pk"),
                                                                  model__icontains=segment["model"])))
    if segment.get("last_visit_after"):
        customers = customers.filter(last_visit_at__date__gte=segment["last_visit_after"])
    if segment.get("last_visit_before"):
        customers = customers.filter(last_visit_at__date__lt=segment["last_visit_before"])
    if segment.get("warranty") in ("in", "out"):
        in_warranty = Exists(Vehicle.objects.filter(owner=OuterRef("pk"), warranty_end__gte=today))
        customers = customers.filter(in_warranty if segment["warranty"] == "in" else ~in_warranty)
    if segment.get("marketing_consent"):
        customers = customers.filter(Exists(CustomerConsent.objects.filter(
            customer=OuterRef("pk"), channel=CustomerConsent.Channel.MARKETING, granted=True)))
    if segment.get("tags"):
        # Any of the tags: `&&` on the GIN-indexed array.
        customers = customers.filter(tags__overlap=list(segment["tags"]))
    if segment.get("birthday_month"):
        customers = customers.filter(birthday__month=int(segment["birthday_month"]))
    return customers.filter(~Q(do_not_contact=True))


def preview(store_id, segment):
    customers = segment_customers(store_id, segment)
    return {"count": customers.count(), "sample": list(customers.order_by("-last_visit_at", "-id")[:SAMPLE_SIZE])}


@transaction.atomic
def create_campaign(*, store, by, name, text, segment, send_sms, make_calls) -> Campaign:
    campaign = Campaign(store=store, created_by=by, name=name, text=text, segment=segment, send_sms=send_sms,
                        make_calls=make_calls)
    campaign.full_clean()
    campaign.save()
    return campaign


def send_campaign(campaign_id) -> bool:
    """Start sending: True the first time, False when it was sent already (a double click)."""
    from .tasks import queue_campaign_task

    with transaction.atomic():
        started = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.DRAFT).update(
            status=Campaign.Status.QUEUING, sent_at=timezone.now()
        )
        if started:
            enqueue_on_commit(queue_campaign_task, campaign_id)
    return bool(started)


# One statement a batch: the segment's next customers (after the last one queued), their
# occasions (ON CONFLICT on the key: a customer is queued once per campaign), the SMS of those
# just made and their calls, all from the rows the segment read, so no row goes through Python.
# Returns the last customer of the batch (where the next one starts) and how many were new.
_QUEUE_BATCH = """
WITH seg AS ({segment}),
made AS (
    INSERT INTO visits_careoccasion (store_id, customer_id, vehicle_id, campaign_id, kind, key, due_on, subject,
                                     messaged, created_at, renewal_outcome, insurer, recall_reason, note)
    SELECT seg.store_id, seg.id,
           (SELECT ve.id FROM customers_vehicle ve WHERE ve.owner_id = seg.id
            ORDER BY ve.updated_at DESC, ve.id DESC LIMIT 1),
           %(campaign)s, 'campaign', 'campaign:' || %(campaign)s || ':' || seg.id, %(day)s, %(text)s,
           %(send_sms)s, %(now)s, '', '', '', ''
    FROM seg
    ON CONFLICT (key) DO NOTHING
    RETURNING id, store_id, customer_id, vehicle_id, key, due_on, subject, messaged
), sms AS (
    """ + OUTBOX_INSERT + """
    SELECT o.store_id, o.customer_id, 'promotion', %(purpose)s, 'sms', c.mobile, c.preferred_language,
           {context}, 'care:' || o.key, 'queued', %(now)s, 0, '', '', '', '', '', %(now)s
    FROM made o
    JOIN seg c ON c.id = o.customer_id
    JOIN aftersales_store s ON s.id = o.store_id
    WHERE o.messaged
    ON CONFLICT DO NOTHING
), calls AS (
    """ + CALL_COLUMNS + """
    SELECT o.store_id, o.customer_id, o.vehicle_id, o.id, r.id, 0, o.due_on, o.due_on + r.window_days,
           r.priority + (CASE WHEN c.loyalty_tier = 'loyal' THEN 1 ELSE 0 END), {outcome}, %(now)s, 0, ''
    FROM made o
    JOIN visits_followuprule r ON r.store_id = o.store_id AND r.trigger = 'campaign' AND r.is_active
    JOIN seg c ON c.id = o.customer_id
    LEFT JOIN customers_customerconsent cc ON cc.customer_id = c.id AND cc.channel = 'service_call'
    WHERE %(make_calls)s AND o.vehicle_id IS NOT NULL
    ON CONFLICT DO NOTHING
)
SELECT (SELECT max(id) FROM seg), (SELECT count(*) FROM made)
"""
_QUEUE_BATCH = _QUEUE_BATCH.replace("{context}", message_context_sql("name", "offer", "link")).replace(
    "{outcome}", call_outcome_sql("o.due_on"))
# The segment's columns the statement reads (the customer's, as the alias c of the shared SQL).
_SEGMENT_COLUMNS = ("id", "store_id", "name", "mobile", "preferred_language", "loyalty_tier", "do_not_contact")


def queue_campaign(campaign_id, *, batch_size=BATCH_SIZE) -> int:
    """Queue the campaign batch by batch (each its own transaction, so the page shows progress);
    resumes after the last customer queued, so a retried task picks up where it stopped."""
    campaign = Campaign.objects.select_related("store").get(pk=campaign_id)
    if campaign.status not in (Campaign.Status.QUEUING, Campaign.Status.QUEUED):
        return 0
    if campaign.make_calls:
        for store in [campaign.store] if campaign.store else Store.objects.filter(is_active=True):
            ensure_care_rules(store)
    now = timezone.now()
    customers = segment_customers(campaign.store_id, campaign.segment)
    Campaign.objects.filter(pk=campaign.pk).update(target_count=customers.count())
    params = {"campaign": campaign.pk, "day": timezone.localdate(now), "text": campaign.text,
              "send_sms": campaign.send_sms, "make_calls": campaign.make_calls, "now": now,
              "purpose": KINDS["promotion"].purpose, "site_url": settings.SITE_URL.rstrip("/")}
    done = campaign.occasions.order_by("-customer_id").values_list("customer_id", flat=True).first() or 0
    queued = 0
    while True:
        batch = customers.filter(pk__gt=done).order_by("pk").values(*_SEGMENT_COLUMNS)[:batch_size]
        sql, segment_params = batch.query.sql_with_params()
        named = {f"segment_{i}": value for i, value in enumerate(segment_params)}
        segment_sql = sql % tuple(f"%({name})s" for name in named)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_QUEUE_BATCH.format(segment=segment_sql), {**params, **named})
            last, made = cursor.fetchone()
            if last is None:
                break
            done = last
            queued += made
            Campaign.objects.filter(pk=campaign.pk).update(queued_count=F("queued_count") + made)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.QUEUED)
    return queued
