"""The provider's inbound SMS webhook: replies meaning "stop" withdraw SMS consent."""
import json

import pytest
from django.urls import reverse

from aftersales.history import events_for
from aftersales.tests.factories import CustomerFactory
from customers.models import Customer, CustomerConsent
from customers.services import record_consent

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-the-webhook-tests"
MOBILE = "13912345678"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.SMS_WEBHOOK_SECRET = SECRET


def post(client, payload, *, secret=SECRET, raw=None):
    headers = {} if secret is None else {"X-Webhook-Secret": secret}
    return client.post(
        reverse("messaging_public:sms_inbound"),
        data=raw if raw is not None else json.dumps(payload, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )


def sms_consent(customer):
    return CustomerConsent.objects.filter(customer=customer, channel=CustomerConsent.Channel.SMS).first()


@pytest.fixture
def customer(store_a):
    return CustomerFactory(store=store_a, mobile=MOBILE)


def test_good_secret_records_the_opt_out(client, customer):
    response = post(client, {"mobile": MOBILE, "text": "TD", "received_at": "2025-06-01T10:00:00+08:00"})
    assert response.status_code == 200
    assert response.json() == {"opted_out": 1}
    consent = sms_consent(customer)
    assert consent.granted is False
    assert consent.method == CustomerConsent.Method.SMS_REPLY
    assert consent.recorded_by is None
    assert "TD" in consent.note
    assert "2025-06-01T10:00:00+08:00" in consent.note


def test_the_number_is_normalised(client, customer):
    response = post(client, {"mobile": "+86 139-1234-5678", "text": "退订"})
    assert response.json() == {"opted_out": 1}
    assert sms_consent(customer).granted is False


@pytest.mark.parametrize("secret", ["wrong", SECRET + "x", SECRET[:-1], ""])
def test_bad_secret_is_refused_and_changes_nothing(client, customer, secret):
    response = post(client, {"mobile": MOBILE, "text": "TD"}, secret=secret)
    assert response.status_code == 403
    assert not CustomerConsent.objects.exists()


def test_missing_secret_is_refused(client, customer):
    response = post(client, {"mobile": MOBILE, "text": "TD"}, secret=None)
    assert response.status_code == 403
    assert not CustomerConsent.objects.exists()


def test_no_secret_configured_refuses_everything(client, customer, settings):
    settings.SMS_WEBHOOK_SECRET = ""
    assert post(client, {"mobile": MOBILE, "text": "TD"}, secret="").status_code == 403
    assert post(client, {"mobile": MOBILE, "text": "TD"}, secret=None).status_code == 403
    assert not CustomerConsent.objects.exists()


def test_secret_is_checked_before_the_body(client):
    assert post(client, None, secret="wrong", raw="not json").status_code == 403


def test_only_post(client):
    response = client.get(reverse("messaging_public:sms_inbound"), headers={"X-Webhook-Secret": SECRET})
    assert response.status_code == 405


def test_no_login_and_no_csrf_token_needed(customer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = post(strict, {"mobile": MOBILE, "text": "TD"})
    assert response.status_code == 200
    assert response.json() == {"opted_out": 1}


def test_unknown_number(client, customer):
    response = post(client, {"mobile": "13800000000", "text": "TD"})
    assert response.status_code == 200
    assert response.json() == {"opted_out": 0}
    assert not CustomerConsent.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "TD", "td", "Td", " TD ", "T D", "ＴＤ", "ｔｄ", "\u3000ＴＤ\u3000", "TD。", "td!",
        "退订", " 退订 ", "退订。",
        "T", "t", "Ｔ",
        "N", "n", "Ｎ",
        "STOP", "stop", "Stop", "ＳＴＯＰ",
        "UNSUBSCRIBE", "unsubscribe", "Unsubscribe",
        "取消", "\n取消\n",
    ],
)
def test_each_stop_word(client, customer, text):
    response = post(client, {"mobile": MOBILE, "text": text})
    assert response.status_code == 200
    assert response.json() == {"opted_out": 1}
    consent = sms_consent(customer)
    assert consent.granted is False
    assert consent.method == CustomerConsent.Method.SMS_REPLY
    assert " ".join(text.split()) in consent.note


@pytest.mark.parametrize("text", ["谢谢", "好的", "Thanks", "TDD", "Not now", "退订了吗", "STOPPED", "1", ""])
def test_other_text_records_nothing(client, customer, text):
    response = post(client, {"mobile": MOBILE, "text": text})
    assert response.status_code == 200
    assert response.json() == {"opted_out": 0}
    assert not CustomerConsent.objects.exists()


def test_customers_of_two_stores_with_the_number_are_both_opted_out(client, store_a, store_b):
    first = CustomerFactory(store=store_a, mobile=MOBILE)
    second = CustomerFactory(store=store_b, mobile=MOBILE)
    other = CustomerFactory(store=store_a, mobile="13700000001")
    response = post(client, {"mobile": MOBILE, "text": "退订"})
    assert response.json() == {"opted_out": 2}
    assert sms_consent(first).granted is False
    assert sms_consent(second).granted is False
    assert sms_consent(other) is None


def test_merged_customers_are_left_alone(client, store_a):
    kept = CustomerFactory(store=store_a, mobile=MOBILE)
    merged = CustomerFactory(store=store_a, mobile=MOBILE)
    Customer.objects.filter(pk=merged.pk).update(merged_into=kept)
    response = post(client, {"mobile": MOBILE, "text": "TD"})
    assert response.json() == {"opted_out": 1}
    assert sms_consent(kept).granted is False
    assert sms_consent(merged) is None


def test_earlier_consent_is_withdrawn_and_history_kept(client, customer):
    given = record_consent(
        customer=customer, channel=CustomerConsent.Channel.SMS, granted=True,
        method=CustomerConsent.Method.SIGNED_FORM, by=None, note="登记表",
    )
    response = post(client, {"mobile": MOBILE, "text": "STOP"})
    assert response.json() == {"opted_out": 1}
    consent = sms_consent(customer)
    assert consent.pk == given.pk
    assert consent.granted is False
    events = list(events_for(consent, limit=10))
    assert [event.pgh_label for event in events] == ["update", "insert"]
    assert events[0].pgh_diff["granted"] == [True, False]
    assert events[0].pgh_diff["method"] == ["signed_form", "sms_reply"]
    # The request that made the change is part of the record.
    assert events[0].url == reverse("messaging_public:sms_inbound")


def test_new_opt_out_writes_a_history_row(client, customer):
    post(client, {"mobile": MOBILE, "text": "TD"})
    events = list(events_for(sms_consent(customer), limit=10))
    assert [event.pgh_label for event in events] == ["insert"]
    assert events[0].pgh_data["granted"] is False


def test_a_repeated_reply_keeps_the_first_record(client, customer):
    post(client, {"mobile": MOBILE, "text": "TD"})
    first = sms_consent(customer)
    response = post(client, {"mobile": MOBILE, "text": "退订"})
    assert response.json() == {"opted_out": 1}
    again = sms_consent(customer)
    assert (again.recorded_at, again.note) == (first.recorded_at, first.note)
    assert len(list(events_for(again, limit=10))) == 1


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        json.dumps(["TD"]),
        json.dumps({"mobile": MOBILE}),
        json.dumps({"mobile": 13912345678, "text": "TD"}),
        json.dumps({"mobile": "12345", "text": "TD"}),
        json.dumps({"mobile": MOBILE, "text": "TD", "received_at": "yesterday"}),
    ],
)
def test_bad_bodies_are_refused_and_change_nothing(client, customer, raw):
    response = post(client, None, raw=raw)
    assert response.status_code == 400
    assert not CustomerConsent.objects.exists()
