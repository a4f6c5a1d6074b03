"""Outbound message figures: how fast the outbox drains through the file backend (one file per
message, in a temporary folder under the data folder; `messaging.outbox.msgs_per_s`, budget
≥ 1,000: claimed, checked, rendered, handed to the backend and recorded), and what one
`queue_message` call costs in its own transaction.

The outbox is filled in bulk (100,000 due messages at scale 1, at least 2,000): 70% service
reminders to customers of one store, 30% verification codes to bare numbers, all sendable
(the store's quiet hours are off), so the figure is the rate of real sends with every rule
checked and every wording rendered."""
import os
import tempfile
import time
import uuid

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from aftersales.messaging.backends import reset_backends
from aftersales.messaging.kinds import KINDS
from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.services import queue_message, send_due_messages
from aftersales.models import Store
from bench.run import p95_ms, timed
from customers.models import Customer

STORE_CODE = "bench-msg"
CUSTOMERS = 2_000
QUEUE_CALLS = 300
WARMUP = 20
BULK_BATCH = 5_000


def _store():
    store, _created = Store.objects.get_or_create(
        code=STORE_CODE, defaults={"name": "基准短信4S店", "phone": "010-88886666"}
    )
    # Quiet hours off: the figure must not depend on the time of day the bench runs.
    store.quiet_hours_start = store.quiet_hours_end = "00:00"
    store.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    return store


def _customers(store):
    have = Customer.objects.filter(store=store).count()
    Customer.objects.bulk_create(
        Customer(store=store, name=f"基准客户{n:05d}", mobile=f"139{n:08d}")
        for n in range(have, CUSTOMERS)
    )
    return list(Customer.objects.filter(store=store).order_by("pk")[:CUSTOMERS])


def _fill_outbox(store, customers, count):
    OutboundMessage.objects.filter(store=store).delete()
    run = uuid.uuid4().hex[:8]
    due = timezone.now() - timezone.timedelta(minutes=1)
    batch = []
    for n in range(count):
        if n % 10 < 7:
            customer = customers[n % len(customers)]
            kind = "appointment_reminder" if n % 2 else "maintenance_due"
            message = OutboundMessage(
                store=store, customer=customer, kind=kind, purpose=KINDS[kind].purpose,
                channel="sms", to=customer.mobile, language="zh-hans", send_after=due,
                context={"name": customer.name, "plate": "京A12345", "time": "明天 09:30",
                         "due": "2026年6月1日"},
                idempotency_key=f"bench-{run}-{n}",
            )
        else:
            message = OutboundMessage(
                store=store, kind="verification_code", purpose=KINDS["verification_code"].purpose,
                channel="sms", to=f"138{n:08d}", language="zh-hans", send_after=due,
                context={"code": f"{n % 1_000_000:06d}", "minutes": 10},
                idempotency_key=f"bench-{run}-{n}",
            )
        batch.append(message)
        if len(batch) == BULK_BATCH:
            OutboundMessage.objects.bulk_create(batch)
            batch = []
    OutboundMessage.objects.bulk_create(batch)


def run(scale):
    call_command("seed_message_templates", stdout=open(os.devnull, "w"))
    store = _store()
    customers = _customers(store)
    count = max(2_000, round(100_000 * scale))
    _fill_outbox(store, customers, count)

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    reset_backends()
    with tempfile.TemporaryDirectory(prefix="bench-sms-", dir=settings.DATA_DIR) as folder, override_settings(
            SMS_BACKEND="aftersales.messaging.backends.FileSmsBackend", SMS_FILE_PATH=folder):
        started = time.perf_counter()
        outcomes = send_due_messages()
        elapsed = time.perf_counter() - started
        written = len(os.listdir(folder))
    reset_backends()
    sent = OutboundMessage.objects.filter(store=store, status=OutboundMessage.Status.SENT).count()
    if sent != count:
        raise RuntimeError(f"expected {count} sent, got {sent} ({dict(outcomes)})")
    if written != count:
        raise RuntimeError(f"expected {count} files, found {written}")
    yield "messaging.outbox.msgs_per_s", round(sum(outcomes.values()) / elapsed), "msg/s"

    run_id = uuid.uuid4().hex[:8]
    calls = iter(range(WARMUP + QUEUE_CALLS))

    def queue_one():
        n = next(calls)
        customer = customers[n % len(customers)]
        with transaction.atomic():
            queue_message(
                store=store, customer=customer, kind="appointment_reminder",
                context={"name": customer.name, "plate": "京A12345", "time": "明天 09:30"},
                idempotency_key=f"bench-queue-{run_id}-{n}",
            )

    timed(queue_one, WARMUP)
    samples = timed(queue_one, QUEUE_CALLS)
    OutboundMessage.objects.filter(idempotency_key__startswith=f"bench-queue-{run_id}-").delete()
    yield "messaging.queue_message.p95_ms", p95_ms(samples), "ms"
