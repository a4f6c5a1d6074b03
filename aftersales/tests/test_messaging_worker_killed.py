"""A real Celery worker process killed in the middle of a send: after a restart the message
goes out, and the provider delivers it exactly once."""
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from aftersales.celery import app
from aftersales.dburl import database_url
from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.services import queue_message
from aftersales.tasks import send_outbox
from aftersales.tests.concurrency import wait_for
from aftersales.tests.factories import CustomerFactory
from aftersales.tests.test_messaging_outbox import Provider, templates  # noqa: F401 - fixture

ROOT = Path(settings.BASE_DIR)


def start_worker(provider):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SMS_BACKEND": "aftersales.messaging.backends.HttpSmsBackend",
        "SMS_HTTP_URL": provider.url,
        "SMS_HTTP_TOKEN": "t",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aftersales", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--loglevel=warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )



@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_sends_exactly_once_after_restart(store_a, templates):  # noqa: F811
    provider = Provider(delay=4)  # the provider is slow: the worker is inside the call when killed
    # No quiet hours: at night the message would wait for the morning and never reach the provider.
    store_a.quiet_hours_start = store_a.quiet_hours_end = dt.time(0, 0)
    store_a.save()
    app.control.purge()
    customer = CustomerFactory(store=store_a)
    message = queue_message(
        store=store_a, customer=customer, kind="appointment_reminder", idempotency_key="kill-1",
        context={"name": customer.name, "time": "09:00", "plate": "京A12345"},
        send_after=timezone.now() - timezone.timedelta(minutes=1),
    )
    worker = start_worker(provider)
    try:
        send_outbox.delay()
        assert provider.first_request.wait(45), "the worker never called the provider"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        message.refresh_from_db()
        assert message.status == "sending"  # claimed, not lost, not marked sent

        # Time passes beyond the lease; the next worker takes the message over.
        OutboundMessage.objects.filter(pk=message.pk).update(
            claimed_until=timezone.now() - timezone.timedelta(seconds=1)
        )
        provider.delay = 0
        worker = start_worker(provider)
        send_outbox.delay()
        assert wait_for(lambda: OutboundMessage.objects.get(pk=message.pk).status == "sent", timeout=45)
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(15)
        provider.close()
    message.refresh_from_db()
    assert len(provider.requests) == 2  # sent again after the crash, with the same key ...
    assert len(provider.delivered) == 1  # ... and delivered once
    assert message.provider_message_id == provider.delivered["kill-1"]
