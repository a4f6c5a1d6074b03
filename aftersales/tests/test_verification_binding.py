"""A verification code works only at the store and for the purpose it was sent for: a code
asked for at /c/bj/ is refused at /c/sh/, and one asked for the complaint page is refused by
the SMS preferences page (and the other way round)."""
import uuid

import pytest
from django.urls import reverse

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.verification import CheckResult, send_code, verify_code
from aftersales.messaging.verification_models import VerificationCode
from aftersales.tests.factories import CustomerFactory, StoreFactory
from complaints.models import Complaint
from customers.models import CustomerConsent

pytestmark = pytest.mark.django_db

MOBILE = "13800002222"
COMPLAINT = VerificationCode.Purpose.COMPLAINT
DETAILS = {"name": "王小明", "mobile": MOBILE, "plate": "", "category": "repair_quality",
           "description": "保养后发动机有异响"}


@pytest.fixture
def ip():
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


@pytest.fixture
def bj(db):
    return StoreFactory(code="bj", name="北京望京4S店")


@pytest.fixture
def sh(db):
    return StoreFactory(code="sh", name="上海浦东4S店")


def code_sent():
    return OutboundMessage.objects.filter(kind="verification_code", to=MOBILE).latest("created_at", "pk").context["code"]


def test_a_code_checks_only_at_its_store(bj, sh, ip):
    send_code(store=bj, mobile=MOBILE, purpose=COMPLAINT, client_ip=ip)
    code = code_sent()
    assert verify_code(store=sh, mobile=MOBILE, purpose=COMPLAINT, code=code) is CheckResult.NO_CODE
    assert verify_code(store=bj, mobile=MOBILE, purpose=COMPLAINT, code=code) is CheckResult.OK


def test_a_code_asked_at_bj_files_no_complaint_at_sh(client, bj, sh, ip):
    client.post(reverse("complaints_public:send_code", args=["bj"]), {"page": "form", **DETAILS}, REMOTE_ADDR=ip)
    code = code_sent()
    refused = client.post(reverse("complaints_public:form", args=["sh"]),
                          {"page": "form", "code_sent": "1", **DETAILS, "code": code}, REMOTE_ADDR=ip)
    assert refused.status_code == 200
    assert not Complaint.objects.exists()
    filed = client.post(reverse("complaints_public:form", args=["bj"]),
                        {"page": "form", "code_sent": "1", **DETAILS, "code": code}, REMOTE_ADDR=ip)
    assert filed.status_code == 302
    assert Complaint.objects.get().store == bj


def test_a_complaint_code_does_not_stop_messages(client, bj, ip):
    customer = CustomerFactory(store=bj, mobile=MOBILE)
    client.post(reverse("complaints_public:send_code", args=["bj"]), {"page": "form", **DETAILS}, REMOTE_ADDR=ip)
    response = client.post(reverse("messaging_public:sms_preferences", args=["bj"]), {
        "step": "confirm", "mobile": MOBILE, "code": code_sent(), "stop": "marketing",
    }, REMOTE_ADDR=ip)
    assert response.status_code == 200
    assert not CustomerConsent.objects.filter(customer=customer).exists()


def test_an_sms_preferences_code_asked_at_sh_stops_nothing_at_bj(client, bj, sh, ip):
    customer = CustomerFactory(store=bj, mobile=MOBILE)
    client.post(reverse("messaging_public:sms_preferences", args=["sh"]),
                {"step": "send", "mobile": MOBILE}, REMOTE_ADDR=ip)
    response = client.post(reverse("messaging_public:sms_preferences", args=["bj"]), {
        "step": "confirm", "mobile": MOBILE, "code": code_sent(), "stop": "marketing",
    }, REMOTE_ADDR=ip)
    assert response.status_code == 200
    assert not CustomerConsent.objects.filter(customer=customer).exists()
