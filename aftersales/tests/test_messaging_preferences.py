"""A customer stops marketing or all SMS on a public page, after proving the number is theirs."""
import re

import pytest
from django.urls import reverse

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.verification_models import VerificationCode
from aftersales.tests.factories import CustomerFactory
from customers.models import CustomerConsent

pytestmark = pytest.mark.django_db


def url(store):
    return reverse("messaging_public:sms_preferences", args=[store.code])


def ask_code(client, store, mobile="13800001111", ip="198.51.100.7"):
    return client.post(url(store), {"step": "send", "mobile": mobile}, REMOTE_ADDR=ip)


def sent_code():
    message = OutboundMessage.objects.filter(kind="verification_code").latest("created_at")
    return message.context["code"]


def test_page_needs_no_login_and_speaks_chinese(client, store_a):
    response = client.get(url(store_a))
    assert response.status_code == 200
    assert "退订" in response.content.decode() or "停止" in response.content.decode()


def test_unknown_store_is_404(client, db):
    assert client.get("/m/nowhere/sms/").status_code == 404


def test_right_code_stops_marketing_for_this_store_only(client, store_a, store_b):
    here = CustomerFactory(store=store_a, mobile="13800001111")
    there = CustomerFactory(store=store_b, mobile="13800001111")
    response = ask_code(client, store_a)
    assert 'data-testid="code-sent"' in response.content.decode()
    response = client.post(url(store_a), {
        "step": "confirm", "mobile": "13800001111", "code": sent_code(), "stop": "marketing",
    })
    assert response.status_code == 302
    consent = CustomerConsent.objects.get(customer=here, channel="marketing")
    assert (consent.granted, consent.method) == (False, "online")
    assert not CustomerConsent.objects.filter(customer=there).exists()
    assert not CustomerConsent.objects.filter(customer=here, channel="sms").exists()


def test_stopping_all_sms_records_both(client, store_a):
    customer = CustomerFactory(store=store_a, mobile="13800001111")
    ask_code(client, store_a)
    client.post(url(store_a), {"step": "confirm", "mobile": "13800001111", "code": sent_code(), "stop": "all_sms"})
    assert set(CustomerConsent.objects.filter(customer=customer, granted=False)
               .values_list("channel", flat=True)) == {"marketing", "sms"}


def test_wrong_code_says_so_and_changes_nothing(client, store_a):
    customer = CustomerFactory(store=store_a, mobile="13800001111")
    ask_code(client, store_a)
    wrong = "000000" if sent_code() != "000000" else "111111"
    response = client.post(url(store_a), {"step": "confirm", "mobile": "13800001111", "code": wrong, "stop": "marketing"})
    body = response.content.decode()
    assert response.status_code == 200 and re.search(r"验证码不正确|不正确", body)
    assert not CustomerConsent.objects.filter(customer=customer).exists()


def test_asking_again_at_once_hits_the_limit_and_the_page_says_so(client, store_a):
    ask_code(client, store_a)
    response = ask_code(client, store_a)
    body = response.content.decode()
    assert 'data-testid="code-sent"' not in body
    assert "秒" in body or "分钟" in body
    assert OutboundMessage.objects.filter(kind="verification_code").count() == 1


def test_an_unknown_number_learns_nothing(client, store_a):
    """A number with no file gets the same answer as a customer's: the page tells strangers
    nothing about who is a customer."""
    ask_code(client, store_a, mobile="13900009999")
    response = client.post(url(store_a), {
        "step": "confirm", "mobile": "13900009999", "code": sent_code(), "stop": "marketing",
    }, follow=True)
    assert response.redirect_chain == [(url(store_a), 302)]
    assert f"已完成：{store_a.name} 不会再向您发送这些短信。" in response.content.decode()
    assert VerificationCode.objects.get(mobile="13900009999").used_at is not None
    assert not CustomerConsent.objects.exists()
