"""One-time verification codes: sent through the outbox, stored hashed, 10 minutes, 5 tries,
once; limited per number (database) and per client address (Redis)."""
import datetime as dt
import hashlib
import hmac
import uuid

import pytest
from django import forms
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from aftersales.messaging import verification
from aftersales.messaging.kinds import Purpose
from aftersales.messaging.models import OutboundMessage
from aftersales.tests.concurrency import run_concurrently
from aftersales.messaging.verification import (
    CheckResult,
    VerificationError,
    check_code,
    purge_codes,
    send_code,
    verify_code,
)
from aftersales.messaging.verification_forms import CheckCodeForm, RequestCodeForm
from aftersales.messaging.verification_models import VerificationCode
from aftersales.tests.factories import StoreFactory
from customers.models import Customer

MOBILE = "13912345678"
COMPLAINT = VerificationCode.Purpose.COMPLAINT
BOOKING = VerificationCode.Purpose.BOOKING
# Ten past the hour, so a test's hour never crosses the address counter's window.
T0 = timezone.now().replace(minute=10, second=0, microsecond=0)


@pytest.fixture
def ip():
    """A fresh client address per test: the address counters live in Redis, outside the
    test's database transaction, and must not carry over from one test (or run) to the next."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


def sent_code(record):
    """The code as the customer receives it: from the outbox row's context."""
    message = OutboundMessage.objects.get(idempotency_key=f"verification_code:{record.pk}")
    return message.context["code"]


def wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def send(store, *, mobile=MOBILE, purpose=COMPLAINT, ip, now=T0):
    return send_code(store=store, mobile=mobile, purpose=purpose, client_ip=ip, now=now)


# --- Checking -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_right_code(store_a, ip):
    record = send(store_a, ip=ip)
    assert check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=sent_code(record), now=T0 + dt.timedelta(minutes=1))
    record.refresh_from_db()
    assert record.used_at == T0 + dt.timedelta(minutes=1)
    assert record.attempts == 1


@pytest.mark.django_db
def test_code_typed_with_spaces_full_width_or_another_number_format(store_a, ip):
    record = send(store_a, ip=ip)
    typed = " ".join(sent_code(record)).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert check_code(store=store_a, mobile="+86 139 1234 5678", purpose=COMPLAINT, code=typed, now=T0)


@pytest.mark.django_db
def test_wrong_code(store_a, ip):
    record = send(store_a, ip=ip)
    assert verify_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=wrong(sent_code(record)), now=T0) is CheckResult.WRONG
    assert not check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code="abc", now=T0)
    record.refresh_from_db()
    assert record.attempts == 2
    assert record.used_at is None
    # Still alive: the right code works on a later try.
    assert check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=sent_code(record), now=T0)


@pytest.mark.django_db
def test_code_is_for_its_number_and_purpose_only(store_a, ip):
    record = send(store_a, ip=ip)
    code = sent_code(record)
    assert not check_code(store=store_a, mobile="13912345679", purpose=COMPLAINT, code=code, now=T0)
    assert not check_code(store=store_a, mobile=MOBILE, purpose=BOOKING, code=code, now=T0)
    assert not check_code(store=store_a, mobile="not a number", purpose=COMPLAINT, code=code, now=T0)
    assert check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code, now=T0)


@pytest.mark.django_db
def test_expired_code(store_a, ip):
    record = send(store_a, ip=ip)
    code = sent_code(record)
    assert verify_code(
        store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code, now=T0 + dt.timedelta(minutes=10)
    ) is CheckResult.NO_CODE
    # One second before the end it still works.
    assert check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code, now=T0 + dt.timedelta(minutes=10) - dt.timedelta(seconds=1))


@pytest.mark.django_db
def test_expired_by_the_clock(store_a, ip):
    """Without a `now`, the real clock decides: a row sent 11 minutes ago has expired."""
    now = timezone.now()
    record = send(store_a, ip=ip, now=now)
    code = sent_code(record)
    VerificationCode.objects.filter(pk=record.pk).update(
        created_at=now - dt.timedelta(minutes=11), expires_at=now - dt.timedelta(minutes=1)
    )
    assert not check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code)


@pytest.mark.django_db
def test_five_tries_then_dead(store_a, ip):
    record = send(store_a, ip=ip)
    code = sent_code(record)
    results = [verify_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=wrong(code), now=T0) for _ in range(5)]
    assert results == [CheckResult.WRONG] * 4 + [CheckResult.TOO_MANY_TRIES]
    # Dead: even the right code fails now, and no further try is counted.
    assert verify_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code, now=T0) is CheckResult.TOO_MANY_TRIES
    record.refresh_from_db()
    assert record.attempts == 5
    assert record.used_at is None


@pytest.mark.django_db
def test_the_fifth_try_may_be_right(store_a, ip):
    record = send(store_a, ip=ip)
    code = sent_code(record)
    for _ in range(4):
        assert not check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=wrong(code), now=T0)
    assert check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code, now=T0)


@pytest.mark.django_db
def test_used_code_cannot_be_reused(store_a, ip):
    record = send(store_a, ip=ip)
    code = sent_code(record)
    assert check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code, now=T0)
    assert verify_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code, now=T0) is CheckResult.NO_CODE
    assert not check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=code, now=T0 + dt.timedelta(seconds=5))


@pytest.mark.django_db
def test_a_new_code_retires_the_earlier_one(store_a, ip):
    first = send(store_a, ip=ip)
    second = send(store_a, ip=ip, now=T0 + dt.timedelta(seconds=61))
    old, new = sent_code(first), sent_code(second)
    if old != new:  # one chance in a million that they are equal
        assert not check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=old, now=T0 + dt.timedelta(seconds=70))
    assert check_code(store=store_a, mobile=MOBILE, purpose=COMPLAINT, code=new, now=T0 + dt.timedelta(seconds=70))


# --- What is stored and queued ------------------------------------------------------------------
@pytest.mark.django_db
def test_message_is_queued_in_the_outbox(store_a, ip):
    record = send(store_a, mobile="139 1234 5678", ip=ip)
    message = OutboundMessage.objects.get()
    assert message.kind == "verification_code"
    assert message.purpose == Purpose.TRANSACTIONAL
    assert message.channel == "sms"
    assert message.store == store_a
    assert message.to == MOBILE
    assert message.status == OutboundMessage.Status.QUEUED
    code = message.context["code"]
    assert len(code) == 6 and code.isdigit()
    assert message.context["minutes"] == 10
    # The key names the row: neither the number (masked or not) nor the code is in it.
    assert message.idempotency_key == f"verification_code:{record.pk}"
    assert MOBILE not in message.idempotency_key
    assert code not in message.idempotency_key


@pytest.mark.django_db
def test_each_code_has_its_own_message(store_a, ip):
    first = send(store_a, ip=ip)
    second = send(store_a, ip=ip, now=T0 + dt.timedelta(seconds=61))
    keys = set(OutboundMessage.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"verification_code:{first.pk}", f"verification_code:{second.pk}"}


@pytest.mark.django_db
def test_nothing_stored_in_clear_text(store_a, ip):
    record = send(store_a, ip=ip)
    code = sent_code(record)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {VerificationCode._meta.db_table} WHERE id = %s", [record.pk])
        row = cursor.fetchone()
    assert not any(code in str(value) for value in row if value is not None and not isinstance(value, dt.datetime))
    assert len(record.code_hash) == 64
    assert record.code_hash != hashlib.sha256(code.encode()).hexdigest()
    expected = hmac.new(
        settings.SECRET_KEY.encode(), f"{record.store_id}\x00complaint\x00{MOBILE}\x00{code}".encode(), hashlib.sha256
    ).hexdigest()
    assert record.code_hash == expected


@pytest.mark.django_db
def test_invalid_number_is_refused(store_a, ip):
    with pytest.raises(VerificationError) as caught:
        send(store_a, mobile="12345", ip=ip)
    assert caught.value.code == "invalid_mobile"
    assert not VerificationCode.objects.exists()
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_nothing_is_kept_if_the_callers_transaction_fails(store_a, ip):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        send(store_a, ip=ip)
        raise RuntimeError
    assert not VerificationCode.objects.exists()
    assert not OutboundMessage.objects.exists()


# --- Limits per number --------------------------------------------------------------------------
@pytest.mark.django_db
def test_one_code_per_minute_per_number(store_a, store_b, ip):
    send(store_a, ip=ip)
    with translation.override("en"), pytest.raises(VerificationError) as caught:
        # Another store, another page, another spelling of the number: still the same phone.
        send(store_b, mobile="+86 13912345678", purpose=BOOKING, ip=ip, now=T0 + dt.timedelta(seconds=45))
    error = caught.value
    assert error.code == "number_too_soon"
    assert error.retry_after == 15
    text = error.messages[0]
    assert "less than a minute ago" in text and "15 s" in text
    local = (T0 + dt.timedelta(seconds=60)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert local.strftime("%H:%M:%S") in text
    assert VerificationCode.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
    # After the minute it works.
    send(store_b, mobile=MOBILE, ip=ip, now=T0 + dt.timedelta(seconds=60))
    assert VerificationCode.objects.count() == 2


@pytest.mark.django_db
def test_five_codes_per_hour_per_number(store_a, ip):
    for minute in range(5):
        send(store_a, ip=ip, now=T0 + dt.timedelta(minutes=minute * 2))
    with translation.override("en"), pytest.raises(VerificationError) as caught:
        send(store_a, ip=ip, now=T0 + dt.timedelta(minutes=30))
    error = caught.value
    assert error.code == "number_hourly_limit"
    # The oldest of the five leaves the hour at T0 + 60 min.
    assert error.retry_after == 30 * 60
    text = error.messages[0]
    assert "5 codes" in text and "last hour" in text
    local = (T0 + dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert local.strftime("%H:%M") in text
    assert VerificationCode.objects.count() == 5
    # Another number is not affected; this one works again once the first code is an hour old.
    send(store_a, mobile="13912345679", ip=ip, now=T0 + dt.timedelta(minutes=30))
    send(store_a, ip=ip, now=T0 + dt.timedelta(minutes=60, seconds=1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_number_send_one_code(ip):
    """20 requests at the same moment: the advisory lock lets exactly one through."""
    store = StoreFactory(code="conc")
    sent, refused = run_concurrently(lambda: send(store, ip=ip), 20)
    outcomes = ["sent"] * len(sent) + [
        error.code if isinstance(error, VerificationError) else repr(error) for error in refused
    ]
    assert sorted(outcomes) == ["number_too_soon"] * 19 + ["sent"]
    assert VerificationCode.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


# --- Limit per client address -------------------------------------------------------------------
def mobiles(count, start=0):
    return [f"1391234{n:04d}" for n in range(start, start + count)]


@pytest.mark.django_db
def test_twenty_codes_per_hour_per_address(store_a, ip):
    for mobile in mobiles(20):
        send(store_a, mobile=mobile, ip=ip)
    with translation.override("en"), pytest.raises(VerificationError) as caught:
        send(store_a, mobile="13700000000", ip=ip, now=T0 + dt.timedelta(minutes=5))
    error = caught.value
    assert error.code == "address_hourly_limit"
    hour_end = T0.replace(minute=0) + dt.timedelta(hours=1)
    assert error.retry_after == (hour_end - (T0 + dt.timedelta(minutes=5))).total_seconds()
    text = error.messages[0]
    assert "your network" in text and "20" in text
    assert hour_end.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M") in text
    assert VerificationCode.objects.count() == 20
    # Refused requests write nothing.
    assert OutboundMessage.objects.count() == 20
    # Another address is not affected.
    send(store_a, mobile="13700000000", ip=f"2001:db8:{uuid.uuid4().hex[:4]}:1::1", now=T0)


@pytest.mark.django_db
def test_address_limit_ends_with_its_hour(store_a, ip):
    for mobile in mobiles(20):
        send(store_a, mobile=mobile, ip=ip)
    with pytest.raises(VerificationError):
        send(store_a, mobile="13700000000", ip=ip)
    send(store_a, mobile="13700000000", ip=ip, now=T0 + dt.timedelta(hours=1))


@pytest.mark.django_db
def test_an_ipv6_network_counts_as_one_address(store_a, ip):
    network = ip.rsplit("::", 1)[0]
    for n, mobile in enumerate(mobiles(20)):
        send(store_a, mobile=mobile, ip=f"{network}:{n + 1:x}:0:0:1")
    with pytest.raises(VerificationError) as caught:
        send(store_a, mobile="13700000000", ip=f"{network}::abcd")
    assert caught.value.code == "address_hourly_limit"


@pytest.mark.django_db
def test_refusals_for_a_number_do_not_use_up_the_address(store_a, ip):
    send(store_a, ip=ip)
    for _ in range(30):
        with pytest.raises(VerificationError):
            send(store_a, ip=ip, now=T0 + dt.timedelta(seconds=10))
    for mobile in mobiles(19, start=100):
        send(store_a, mobile=mobile, ip=ip)


# --- Housekeeping -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_purge_keeps_what_the_limits_need(store_a, ip):
    old = send(store_a, ip=ip, now=T0 - dt.timedelta(days=2))
    recent = send(store_a, ip=ip, now=T0)
    assert purge_codes(now=T0) == 1
    assert list(VerificationCode.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not VerificationCode.objects.filter(pk=old.pk).exists()


# --- Forms --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_request_form_sends_and_reports_limits(store_a, ip):
    form = RequestCodeForm({"mobile": "139-1234-5678"}, store=store_a, purpose=COMPLAINT, client_ip=ip)
    assert form.is_valid()
    assert form.send(now=T0) is not None
    again = RequestCodeForm({"mobile": MOBILE}, store=store_a, purpose=COMPLAINT, client_ip=ip)
    with translation.override("en"):
        assert again.is_valid()
        assert again.send(now=T0 + dt.timedelta(seconds=20)) is None
        assert "less than a minute ago" in again.errors["mobile"][0]
    assert again.retry_after == 40
    bad = RequestCodeForm({"mobile": "12345"}, store=store_a, purpose=COMPLAINT, client_ip=ip)
    assert not bad.is_valid()
    assert "mobile" in bad.errors


@pytest.mark.django_db
def test_request_form_puts_the_address_limit_on_the_page(store_a, ip):
    for mobile in mobiles(20):
        send(store_a, mobile=mobile, ip=ip)
    form = RequestCodeForm({"mobile": "13700000000"}, store=store_a, purpose=COMPLAINT, client_ip=ip)
    assert form.is_valid()
    assert form.send(now=T0) is None
    assert form.non_field_errors()
    assert form.errors.as_data()["__all__"][0].code == "address_hourly_limit"


@pytest.mark.django_db
def test_check_form(store_a, ip):
    code = sent_code(send(store_a, ip=ip))
    with translation.override("en"):
        form = CheckCodeForm({"mobile": MOBILE, "code": wrong(code)}, store=store_a, purpose=COMPLAINT, now=T0)
        assert not form.is_valid()
        assert "Tries left for this code: 4" in form.errors["code"][0]
        malformed = CheckCodeForm({"mobile": MOBILE, "code": "12ab"}, store=store_a, purpose=COMPLAINT, now=T0)
        assert not malformed.is_valid()
        assert "6-digit" in malformed.errors["code"][0]
    form = CheckCodeForm({"mobile": MOBILE, "code": code}, store=store_a, purpose=COMPLAINT, now=T0)
    assert form.is_valid()
    assert form.code_verified
    reused = CheckCodeForm({"mobile": MOBILE, "code": code}, store=store_a, purpose=COMPLAINT, now=T0)
    with translation.override("en"):
        assert not reused.is_valid()
        assert "expired or has already been used" in reused.errors["code"][0]
    # Only the well-formed wrong code counted as a try, plus the right one.
    assert VerificationCode.objects.get().attempts == 2


@pytest.mark.django_db
def test_check_form_says_when_the_code_is_dead(store_a, ip):
    code = sent_code(send(store_a, ip=ip))
    for _ in range(5):
        CheckCodeForm({"mobile": MOBILE, "code": wrong(code)}, store=store_a, purpose=COMPLAINT, now=T0).is_valid()
    form = CheckCodeForm({"mobile": MOBILE, "code": code}, store=store_a, purpose=COMPLAINT, now=T0)
    with translation.override("en"):
        assert not form.is_valid()
        assert "too many times" in form.errors["code"][0]


class ComplaintLikeForm(CheckCodeForm, forms.ModelForm):
    """How a public page combines its own model form with the code check."""

    class Meta:
        model = Customer
        fields = ["name"]


@pytest.mark.django_db
def test_a_page_form_with_other_errors_spends_no_try(store_a, ip):
    record = send(store_a, ip=ip)
    code = sent_code(record)
    form = ComplaintLikeForm({"mobile": MOBILE, "code": code, "name": ""}, store=store_a, purpose=COMPLAINT, now=T0)
    assert not form.is_valid()
    assert "name" in form.errors and "code" not in form.errors
    record.refresh_from_db()
    assert (record.attempts, record.used_at) == (0, None)
    form = ComplaintLikeForm({"mobile": MOBILE, "code": code, "name": "张三"}, store=store_a, purpose=COMPLAINT, now=T0)
    assert form.is_valid(), form.errors
    assert form.code_verified
    record.refresh_from_db()
    assert record.used_at == T0


def test_verification_error_is_a_validation_error():
    from django.core.exceptions import ValidationError

    assert issubclass(VerificationError, ValidationError)
    assert verification.MAX_TRIES == 5 and verification.LIFETIME == dt.timedelta(minutes=10)
