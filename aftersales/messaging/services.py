"""Queueing and sending outbound messages.

`queue_message` writes an outbox row in the caller's transaction and sends nothing. A periodic
job (`send_due_messages`) claims due rows with FOR UPDATE SKIP LOCKED and a lease, checks the
rules (consent, do-not-contact, opt-out, address, daily cap, quiet hours), renders the wording
and hands each message to its channel's backend outside any transaction. A worker that dies
mid-send leaves its claim to expire; the next worker sends again with the same idempotency key,
which the provider uses to deliver once.
"""
import datetime as dt
import re
import uuid
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from aftersales.phones import normalize_mobile
from customers.models import CustomerConsent

from .backends import SendError, backend_for
from .kinds import KINDS, Purpose
from .models import Channel, MessageTemplate, OutboundMessage

Status = OutboundMessage.Status
Suppression = OutboundMessage.Suppression

BATCH_SIZE = 500
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
# Waits before the 2nd, 3rd, ... attempt.
BACKOFF = [dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
           dt.timedelta(hours=2)]


def queue_messages(entries) -> None:
    """Many `queue_message` calls in a few statements (keyword dicts of the same arguments),
    for jobs that queue thousands; a key already used is skipped, as there."""
    OutboundMessage.objects.bulk_create([_outbound(**entry) for entry in entries], ignore_conflicts=True,
                                        batch_size=1000)


def _outbound(*, store, kind, idempotency_key, context=None, customer=None, to=None, channel=None,
              send_after=None, language=None) -> OutboundMessage:
    if kind not in KINDS:
        raise ValueError(f"Unknown message kind {kind!r}")
    channel = channel or Channel.SMS
    if to is None and customer is not None:
        to = customer.mobile if channel == Channel.SMS else ""
    return OutboundMessage(
        store=store, customer=customer, kind=kind, purpose=KINDS[kind].purpose, channel=channel,
        to=to or "", context=context or {}, idempotency_key=idempotency_key,
        # A member of staff's message says its language (User.working_language); a customer's
        # follows the customer's preference.
        language=language or (customer.preferred_language if customer else None) or settings.LANGUAGE_CODE,
        send_after=send_after or timezone.now(),
    )


def queue_message(*, store, kind, idempotency_key, context=None, customer=None, to=None,
                  channel=None, send_after=None, language=None) -> OutboundMessage:
    """Put one logical message in the outbox, in the caller's transaction, and return it.

    The same `idempotency_key` always returns the one row it first made (a unique constraint
    decides, so concurrent callers and retried tasks cannot make two)."""
    message = _outbound(store=store, kind=kind, idempotency_key=idempotency_key, context=context,
                        customer=customer, to=to, channel=channel, send_after=send_after, language=language)
    # The unique key decides: a concurrent caller's insert makes ours fail, and we read theirs.
    fields = {f.attname: getattr(message, f.attname) for f in OutboundMessage._meta.concrete_fields
              if not f.primary_key and f.attname != "idempotency_key"}
    message, created = OutboundMessage.objects.get_or_create(idempotency_key=idempotency_key, defaults=fields)
    if not created:
        # Someone else queued it (perhaps a moment ago, in a transaction we waited for).
        return message
    if message.purpose == Purpose.TRANSACTIONAL:
        # A verification code should not wait for the next periodic run.
        from aftersales.jobs import enqueue_on_commit
        from aftersales.tasks import send_outbox

        enqueue_on_commit(send_outbox)
    return message


@dataclass
class Decision:
    suppress: str = ""
    defer_until: dt.datetime | None = None


def send_due_messages(*, now=None, max_messages=None) -> Counter:
    """Send what is due, batch by batch, until nothing is due (or `max_messages` went out).
    Returns counts by outcome: sent, failed, retried, suppressed, deferred."""
    counts = Counter()
    done = 0
    while max_messages is None or done < max_messages:
        claimed = _claim(now or timezone.now(), BATCH_SIZE)
        if not claimed:
            break
        done += len(claimed)
        counts.update(_send_batch(claimed, now or timezone.now()))
    return counts


def _claim(now, limit):
    """Claim up to `limit` due messages for this worker: queued and due, or sending with an
    expired lease (its worker died). Rows another worker holds are skipped, not waited for."""
    token = uuid.uuid4()
    table = OutboundMessage._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET status = 'sending', claim_token = %s, claimed_until = %s,
                               attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM {table}
                WHERE status IN ('queued', 'sending') AND send_after <= %s
                  AND (status = 'queued' OR claimed_until < %s)
                ORDER BY send_after
                LIMIT %s
                FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """,
            [token, now + LEASE, now, now, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    return list(
        OutboundMessage.objects.filter(pk__in=ids, claim_token=token)
        .select_related("store", "customer")
        .order_by("send_after", "pk")
    )


def _send_batch(messages, now):
    rules = _Rules(messages, now)
    templates = _Templates(messages)
    results = []
    for message in messages:
        decision = rules.decide(message)
        if decision.suppress:
            results.append((message, Status.SUPPRESSED, {"suppression_reason": decision.suppress}))
            continue
        if decision.defer_until:
            results.append((message, Status.QUEUED, {"send_after": decision.defer_until, "defer": True}))
            continue
        rendered = templates.render(message)
        if rendered is None:
            results.append((message, Status.SUPPRESSED, {"suppression_reason": Suppression.NO_TEMPLATE}))
            continue
        message.subject, message.body = rendered
        try:
            provider_id = backend_for(message.channel).send(message)
        except SendError as error:
            if message.attempts >= MAX_ATTEMPTS:
                results.append((message, Status.FAILED, {"last_error": str(error)[:1000]}))
            else:
                wait = BACKOFF[min(message.attempts - 1, len(BACKOFF) - 1)]
                results.append((message, Status.QUEUED, {"send_after": now + wait, "last_error": str(error)[:1000]}))
            continue
        rules.count_sent(message)
        results.append((message, Status.SENT, {"provider_message_id": provider_id or ""}))
    _record(results, now)
    return Counter(
        "deferred" if extra.get("defer") else "retried" if status == Status.QUEUED else status
        for _message, status, extra in results
    )


def _record(results, now):
    """Write every outcome of the batch in one statement, only where our claim still holds."""
    table = OutboundMessage._meta.db_table
    rows = [
        (
            message.pk, message.claim_token, status, extra.get("send_after", message.send_after),
            message.attempts - 1 if extra.get("defer") else message.attempts,
            message.subject, message.body, extra.get("provider_message_id", ""),
            extra.get("suppression_reason", ""), extra.get("last_error", message.last_error),
            now if status == Status.SENT else None,
        )
        for message, status, extra in results
    ]
    columns = list(zip(*rows)) if rows else [[]] * 11
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} AS m SET status = r.status, send_after = r.send_after,
                attempts = r.attempts, subject = r.subject, body = r.body,
                provider_message_id = r.provider_id, suppression_reason = r.reason,
                last_error = r.error, sent_at = r.sent_at, claim_token = NULL, claimed_until = NULL
            FROM unnest(%s::bigint[], %s::uuid[], %s::text[], %s::timestamptz[], %s::int[],
                        %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                        %s::timestamptz[])
                AS r(id, token, status, send_after, attempts, subject, body, provider_id, reason,
                     error, sent_at)
            WHERE m.id = r.id AND m.claim_token = r.token
            """,
            [list(column) for column in columns],
        )


class _Rules:
    """The send-time rules for one batch, with what they need loaded in a fixed number of
    queries."""

    def __init__(self, messages, now):
        self.now = now
        customer_ids = {m.customer_id for m in messages if m.customer_id}
        self.consents = defaultdict(dict)
        for customer_id, channel, granted in CustomerConsent.objects.filter(
            customer_id__in=customer_ids
        ).values_list("customer_id", "channel", "granted"):
            self.consents[customer_id][channel] = granted
        day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        self.marketing_today = Counter(
            OutboundMessage.objects.filter(
                customer_id__in=customer_ids, purpose=Purpose.MARKETING, status=Status.SENT,
                sent_at__gte=day_start,
            ).values_list("customer_id", flat=True)
        )

    def decide(self, message) -> Decision:
        if not _valid_address(message):
            return Decision(suppress=Suppression.INVALID_ADDRESS)
        if message.purpose != Purpose.TRANSACTIONAL:
            customer = message.customer
            if customer is not None:
                consents = self.consents[customer.pk]
                if customer.do_not_contact:
                    return Decision(suppress=Suppression.DO_NOT_CONTACT)
                if message.channel == Channel.SMS and consents.get(CustomerConsent.Channel.SMS) is False:
                    return Decision(suppress=Suppression.OPTED_OUT)
                if message.purpose == Purpose.MARKETING:
                    if consents.get(CustomerConsent.Channel.MARKETING) is not True:
                        return Decision(suppress=Suppression.NO_CONSENT)
                    if self.marketing_today[customer.pk] >= settings.MARKETING_DAILY_CAP:
                        return Decision(suppress=Suppression.DAILY_CAP)
            quiet_end = quiet_hours_end(message.store, self.now)
            if quiet_end is not None:
                return Decision(defer_until=quiet_end)
        return Decision()

    def count_sent(self, message):
        if message.purpose == Purpose.MARKETING and message.customer_id:
            self.marketing_today[message.customer_id] += 1


_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _valid_address(message):
    if message.channel == Channel.SMS:
        # Numbers on file are normalised already; the full parser is for the rest.
        if _MAINLAND_MOBILE.match(message.to):
            return True
        try:
            normalize_mobile(message.to)
        except ValueError:
            return False
        return True
    try:
        validate_email(message.to)
    except ValidationError:
        return False
    return True


def quiet_hours_end(store, now):
    """When the store's quiet hours end, if `now` falls inside them; else None."""
    zone = zoneinfo.ZoneInfo(store.time_zone)
    local = now.astimezone(zone)
    start, end = store.quiet_hours_start, store.quiet_hours_end
    moment = local.time()
    if start == end:
        return None
    inside = (start <= moment < end) if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    end_day = local.date() if moment < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(end_day, end, tzinfo=zone)


class _Templates:
    """The wording for each message: the store's own, else the group's; the customer's
    language, else Chinese."""

    def __init__(self, messages):
        kinds = {m.kind for m in messages}
        self.by_key = {
            (t.kind, t.channel, t.language, t.store_id): t
            for t in MessageTemplate.objects.filter(kind__in=kinds)
        }

    def render(self, message):
        for language in (message.language, settings.LANGUAGE_CODE):
            for store_id in (message.store_id, None):
                template = self.by_key.get((message.kind, message.channel, language, store_id))
                if template is not None:
                    context = {
                        "store": message.store.name, "store_phone": message.store.phone,
                        **message.context,
                    }
                    subject, body = template.render(context)
                    if message.purpose == Purpose.MARKETING and message.channel == Channel.SMS:
                        body = f"{body} {message.store.sms_opt_out_wording}".strip()
                    return subject, body
        return None
