"""The outbox: queued in the caller's transaction, sent once, the rules applied at send time."""
import datetime as dt
import json
import threading
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from aftersales.messaging.backends import HttpSmsBackend, reset_backends
from aftersales.messaging.models import MessageTemplate, OutboundMessage
from aftersales.messaging.services import MAX_ATTEMPTS, queue_message, send_due_messages
from aftersales.tests.concurrency import run_concurrently
from aftersales.tests.factories import CustomerFactory
from customers.services import record_consent

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
Status = OutboundMessage.Status


class Provider:
    """A real HTTP server on 127.0.0.1 standing in for the SMS provider. Like a real one it
    delivers each idempotency key once, however often it is posted."""

    def __init__(self, status=200, delay=0.0):
        self.status, self.delay = status, delay
        self.requests, self.delivered = [], {}
        self.first_request = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.requests.append({"body": body, "auth": self.headers.get("Authorization")})
                provider.first_request.set()
                if provider.delay:
                    threading.Event().wait(provider.delay)
                if provider.status != 200:
                    self.send_response(provider.status)
                    self.end_headers()
                    return
                key = body["idempotency_key"]
                provider.delivered.setdefault(key, f"p-{len(provider.delivered) + 1}")
                reply = json.dumps({"message_id": provider.delivered[key]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    server = Provider()
    settings.SMS_BACKEND = "aftersales.messaging.backends.HttpSmsBackend"
    settings.SMS_HTTP_URL = server.url
    settings.SMS_HTTP_TOKEN = "secret-token"
    reset_backends()
    yield server
    server.close()
    reset_backends()


@pytest.fixture
def templates(db):
    for kind, zh, en in [
        ("appointment_reminder", "【{store}】{name}您好，您预约了{time}保养，车牌{plate}。", "{name}, your service is booked for {time}."),
        ("promotion", "【{store}】{name}您好，{offer}", "{name}: {offer}"),
        ("verification_code", "【{store}】验证码{code}，{minutes}分钟内有效。", "Code {code}, valid {minutes} minutes."),
    ]:
        MessageTemplate.objects.create(kind=kind, channel="sms", language="zh-hans", body=zh)
        MessageTemplate.objects.create(kind=kind, channel="sms", language="en", body=en)


def at(hour, minute=0, day=23):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


# Tomorrow at noon: later than any "now" a queued message gets, and outside quiet hours.
NOON = dt.datetime.combine(
    timezone.localdate() + dt.timedelta(days=1), dt.time(12), tzinfo=SHANGHAI
)


def remind(store, customer, key="k1", **extra):
    return queue_message(
        store=store, customer=customer, kind="appointment_reminder", idempotency_key=key,
        context={"name": customer.name, "time": "11月25日 09:00", "plate": "京A12345"}, **extra,
    )


@pytest.mark.django_db
def test_queued_message_is_sent_with_its_wording(store_a, templates, provider):
    customer = CustomerFactory(store=store_a, name="王芳", mobile="13800001111")
    message = remind(store_a, customer)
    assert send_due_messages(now=NOON)["sent"] == 1
    message.refresh_from_db()
    assert message.status == Status.SENT and message.provider_message_id == "p-1"
    [request] = provider.requests
    assert request["body"] == {
        "mobile": "13800001111",
        "text": "【甲店】王芳您好，您预约了11月25日 09:00保养，车牌京A12345。",
        "sign_name": "甲店",
        "idempotency_key": "k1",
    }
    assert request["auth"] == "Bearer secret-token"


@pytest.mark.django_db
def test_nothing_is_sent_from_a_rolled_back_transaction(store_a, templates, provider):
    customer = CustomerFactory(store=store_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        remind(store_a, customer)
        raise RuntimeError
    assert send_due_messages(now=NOON) == {}
    assert provider.requests == []


@pytest.mark.django_db
def test_the_same_key_twice_is_one_message(store_a, templates, provider):
    customer = CustomerFactory(store=store_a)
    first = remind(store_a, customer)
    second = remind(store_a, customer)
    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_callers_with_one_key_make_one_message_and_one_send(
    store_a, templates, provider
):
    customer = CustomerFactory(store=store_a)

    def call():
        with transaction.atomic():
            return remind(store_a, customer, key="same").pk

    ids, errors = run_concurrently(call, 20)
    assert errors == [] and len(set(ids)) == 1 and len(ids) == 20
    assert OutboundMessage.objects.count() == 1
    send_due_messages(now=NOON)
    send_due_messages(now=NOON)
    assert len(provider.requests) == 1


@pytest.mark.django_db
def test_english_customer_gets_english_wording(store_a, templates, provider):
    customer = CustomerFactory(store=store_a, name="Li Na", preferred_language="en")
    remind(store_a, customer)
    send_due_messages(now=NOON)
    assert provider.requests[0]["body"]["text"] == "Li Na, your service is booked for 11月25日 09:00."


@pytest.mark.django_db
def test_a_store_s_own_wording_wins_over_the_group_s(store_a, templates, provider):
    MessageTemplate.objects.create(
        kind="appointment_reminder", channel="sms", language="zh-hans", store=store_a,
        body="甲店专用：{name}，{time}见。",
    )
    customer = CustomerFactory(store=store_a, name="王芳")
    remind(store_a, customer)
    send_due_messages(now=NOON)
    assert provider.requests[0]["body"]["text"] == "甲店专用：王芳，11月25日 09:00见。"


def suppression(message):
    message.refresh_from_db()
    return message.status, message.suppression_reason


@pytest.mark.django_db
def test_do_not_contact_suppresses(store_a, templates, provider):
    customer = CustomerFactory(store=store_a, do_not_contact=True, do_not_contact_reason="投诉中")
    message = remind(store_a, customer)
    send_due_messages(now=NOON)
    assert suppression(message) == ("suppressed", "do_not_contact")
    assert provider.requests == []


@pytest.mark.django_db
def test_sms_opt_out_suppresses_service_sms(store_a, templates, provider):
    customer = CustomerFactory(store=store_a)
    record_consent(customer=customer, channel="sms", granted=False, method="sms_reply", by=None)
    message = remind(store_a, customer)
    send_due_messages(now=NOON)
    assert suppression(message) == ("suppressed", "opted_out")


@pytest.mark.django_db
def test_marketing_needs_recorded_consent(store_a, templates, provider):
    customer = CustomerFactory(store=store_a)
    message = queue_message(store=store_a, customer=customer, kind="promotion", idempotency_key="m1",
                            context={"name": "x", "offer": "保养八折"})
    send_due_messages(now=NOON)
    assert suppression(message) == ("suppressed", "no_consent")


@pytest.mark.django_db
def test_marketing_sms_carries_the_opt_out_wording_and_is_capped_per_day(store_a, templates, provider):
    customer = CustomerFactory(store=store_a, name="王芳")
    record_consent(customer=customer, channel="marketing", granted=True, method="signed_form", by=None)
    first = queue_message(store=store_a, customer=customer, kind="promotion", idempotency_key="m1",
                          context={"name": "王芳", "offer": "保养八折"})
    second = queue_message(store=store_a, customer=customer, kind="promotion", idempotency_key="m2",
                           context={"name": "王芳", "offer": "洗车免费"})
    send_due_messages(now=NOON)
    assert suppression(first) == ("sent", "")
    assert provider.requests[0]["body"]["text"].endswith("回复TD退订")
    assert suppression(second) == ("suppressed", "daily_cap")


@pytest.mark.django_db
def test_an_invalid_number_is_suppressed(store_a, templates, provider):
    message = queue_message(store=store_a, to="12345", kind="appointment_reminder", idempotency_key="bad",
                            context={"name": "x"})
    send_due_messages(now=NOON)
    assert suppression(message) == ("suppressed", "invalid_address")


@pytest.mark.django_db
def test_a_kind_without_wording_is_suppressed_and_says_so(store_a, provider):
    customer = CustomerFactory(store=store_a)
    message = remind(store_a, customer)
    send_due_messages(now=NOON)
    assert suppression(message) == ("suppressed", "no_template")


@pytest.mark.django_db
@pytest.mark.parametrize("now,until", [
    (at(23, 30), at(8, 0, day=24)),   # late evening: the next morning
    (at(2, 0), at(8, 0)),             # after midnight: this morning
    (at(21, 0), at(8, 0, day=24)),    # the first minute of the quiet hours
])
def test_quiet_hours_defer_across_midnight(store_a, templates, provider, now, until):
    customer = CustomerFactory(store=store_a)
    message = remind(store_a, customer, send_after=now)
    counts = send_due_messages(now=now)
    message.refresh_from_db()
    assert counts["deferred"] == 1 and provider.requests == []
    assert (message.status, message.send_after, message.attempts) == ("queued", until, 0)
    send_due_messages(now=until)
    assert len(provider.requests) == 1


@pytest.mark.django_db
def test_verification_codes_are_not_held_back_by_quiet_hours(store_a, templates, provider):
    queue_message(store=store_a, to="13800001111", kind="verification_code", idempotency_key="v1",
                  context={"code": "123456", "minutes": 10}, send_after=at(23, 30))
    assert send_due_messages(now=at(23, 30))["sent"] == 1


@pytest.mark.django_db
def test_a_failing_provider_is_retried_with_backoff_then_given_up(store_a, templates, provider):
    provider.status = 500
    customer = CustomerFactory(store=store_a)
    message = remind(store_a, customer)
    now = NOON
    for attempt in range(1, MAX_ATTEMPTS):
        counts = send_due_messages(now=now)
        message.refresh_from_db()
        assert counts["retried"] == 1 and message.status == "queued" and message.attempts == attempt
        assert message.send_after > now and "500" in message.last_error
        assert send_due_messages(now=now) == {}  # not before its time
        now = message.send_after
    assert send_due_messages(now=now)["failed"] == 1
    message.refresh_from_db()
    assert message.status == "failed" and len(provider.requests) == MAX_ATTEMPTS


@pytest.mark.django_db
def test_an_expired_claim_is_taken_over_and_sent_once(store_a, templates, provider):
    """A worker that died mid-send leaves its row 'sending'; after the lease another sends it
    with the same key, and the provider delivers it once."""
    customer = CustomerFactory(store=store_a)
    message = remind(store_a, customer)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status="sending", claimed_until=NOON + dt.timedelta(minutes=5), attempts=1
    )
    HttpSmsBackend().send(message)  # the dead worker's call did reach the provider
    assert send_due_messages(now=NOON) == {}  # the lease still holds
    assert send_due_messages(now=NOON + dt.timedelta(minutes=6))["sent"] == 1
    assert len(provider.requests) == 2 and len(provider.delivered) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_message_id == "p-1"


@pytest.mark.django_db
def test_the_file_backend_takes_a_batch_as_one_file_per_key_and_a_repeat_writes_none(
        store_a, templates, settings, tmp_path):
    from aftersales.messaging.backends import FileSmsBackend

    settings.SMS_BACKEND = "aftersales.messaging.backends.FileSmsBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    reset_backends()
    try:
        customers = [CustomerFactory(store=store_a, name=f"客户{n}", mobile=f"1380000000{n}") for n in range(3)]
        messages = [remind(store_a, customer, key=f"k{n}") for n, customer in enumerate(customers)]
        assert send_due_messages(now=NOON)["sent"] == 3
        files = sorted((tmp_path / "sms").iterdir())
        assert [f.name for f in files] == ["k0.json", "k1.json", "k2.json"]
        assert json.loads(files[1].read_text())["text"] == "【甲店】客户1您好，您预约了11月25日 09:00保养，车牌京A12345。"
        messages[1].refresh_from_db()
        messages[1].body = "a second send after a crash"
        assert FileSmsBackend(tmp_path / "sms").send_many([messages[1]]) == ["file-k1"]
        assert len(list((tmp_path / "sms").iterdir())) == 3
        assert "客户1" in files[1].read_text()
    finally:
        reset_backends()

