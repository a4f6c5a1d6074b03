"""The public complaint pages: a customer without a login files a complaint and later sees its
status, proving the mobile with an SMS code each time (seed 002 §2.2.3)."""
import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.messaging import verification
from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.verification_models import VerificationCode
from aftersales.tests.factories import CustomerFactory, make_complaint
from complaints.models import Complaint
from complaints.views import public
from customers.models import Customer

pytestmark = pytest.mark.django_db

MOBILE = "13800001111"
DETAILS = {"name": "王小明", "mobile": MOBILE, "plate": "", "category": "repair_quality",
           "description": "保养后发动机有异响"}


@pytest.fixture
def ip():
    """A fresh client address per test: the address counters live in Redis, outside the
    test's database transaction, and must not carry over from one test (or run) to the next."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


def url(name, store):
    return reverse(f"complaints_public:{name}", args=[store.code])


def sent_code(mobile=MOBILE):
    """The code as the customer receives it: from the outbox row's context."""
    message = OutboundMessage.objects.filter(kind="verification_code", to=mobile).latest("created_at", "pk")
    return message.context["code"]


def wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def ask_code(client, store, ip, **details):
    return client.post(url("send_code", store), {"page": "form", **DETAILS, **details}, REMOTE_ADDR=ip)


def file(client, store, ip, code, **details):
    return client.post(url("form", store), {"page": "form", "code_sent": "1", **DETAILS, **details, "code": code},
                       REMOTE_ADDR=ip)


def ask_status_code(client, store, ip, number, mobile=MOBILE):
    return client.post(url("send_code", store) + "?page=status", {"number": number, "mobile": mobile},
                       REMOTE_ADDR=ip)


def look_up(client, store, ip, number, code, mobile=MOBILE):
    return client.post(url("status", store), {"number": number, "mobile": mobile, "code": code}, REMOTE_ADDR=ip)


def not_shown():
    with translation.override("zh-hans"):
        return str(public.NOT_SHOWN)


# --- The form --------------------------------------------------------------------------------
def test_form_needs_no_login_and_speaks_chinese_first(client, store_a):
    response = client.get(url("form", store_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert store_a.name in body and 'data-testid="language-switch"' in body


def test_form_speaks_english_after_the_language_switch(client, store_a):
    client.post(reverse("set_language"), {"language": "en", "next": url("form", store_a)})
    body = client.get(url("form", store_a)).content.decode()
    assert '<html lang="en">' in body and "Make a complaint" in body


def test_unknown_or_inactive_store_is_404(client, store_a, store_b):
    store_b.is_active = False
    store_b.save()
    for path in ("/c/nowhere/", "/c/nowhere/code/", "/c/nowhere/status/", "/c/nowhere/filed/"):
        assert client.get(path).status_code == 404
        assert client.post(path, {"page": "form", **DETAILS}).status_code == 404
    for name in ("form", "send_code", "status", "filed"):
        assert client.get(url(name, store_b)).status_code == 404


def test_form_posts_need_the_csrf_token(store_a, ip):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url("send_code", store_a), {"page": "form", **DETAILS}, REMOTE_ADDR=ip)
    assert response.status_code == 403
    assert not OutboundMessage.objects.exists()


def test_pages_carry_no_inline_script_or_style(client, store_a, ip):
    for response in (client.get(url("form", store_a)), ask_code(client, store_a, ip),
                     client.get(url("status", store_a))):
        body = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", body)
        assert "style=" not in body and "<style" not in body
        assert "Content-Security-Policy" in response.headers


def test_asking_for_a_code_queues_the_sms_and_files_nothing(client, store_a, ip):
    response = ask_code(client, store_a, ip)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="code-sent"' in body and 'data-testid="file-complaint"' in body
    message = OutboundMessage.objects.get(kind="verification_code")
    assert (message.to, message.store, message.status) == (MOBILE, store_a, "queued")
    assert re.fullmatch(r"\d{6}", message.context["code"])
    assert VerificationCode.objects.get().purpose == "complaint"
    assert not Complaint.objects.exists()


def test_details_are_checked_before_a_code_is_sent(client, store_a, ip):
    response = ask_code(client, store_a, ip, description="  ", plate="ABC")
    body = response.content.decode()
    assert 'data-testid="code-sent"' not in body
    assert "is-invalid" in body and "ABC" in body
    assert not OutboundMessage.objects.exists()


def test_right_code_files_an_online_complaint_for_a_new_customer(client, store_a, ip):
    ask_code(client, store_a, ip)
    response = file(client, store_a, ip, sent_code())
    assert response.status_code == 302 and response.url == url("filed", store_a)
    complaint = Complaint.objects.get()
    assert (complaint.store, complaint.channel, complaint.category, complaint.status) == (
        store_a, "online", "repair_quality", "new")
    assert complaint.created_by is None and complaint.description == "保养后发动机有异响"
    assert complaint.transitions.get().actor is None
    customer = complaint.customer
    assert (customer.store, customer.name, customer.mobile, customer.source) == (store_a, "王小明", MOBILE, "online")


def test_the_stores_customer_of_the_number_gets_the_complaint(client, store_a, store_b, ip):
    CustomerFactory(store=store_b, mobile=MOBILE, name="别店客户")
    known = CustomerFactory(store=store_a, mobile=MOBILE, name="王明")
    ask_code(client, store_a, ip, mobile="138 0000 1111")
    file(client, store_a, ip, sent_code(), mobile="+86 138-0000-1111")
    assert Complaint.objects.get().customer == known
    assert Customer.objects.count() == 2
    known.refresh_from_db()
    assert known.name == "王明"


def test_the_plate_is_mentioned_in_the_description(client, store_a, ip):
    ask_code(client, store_a, ip, plate="京a·12345")
    file(client, store_a, ip, sent_code(), plate="京a·12345")
    description = Complaint.objects.get().description
    assert description.startswith("保养后发动机有异响") and "京A12345" in description


def test_success_page_shows_the_number_and_how_to_follow_it(client, store_a, ip):
    ask_code(client, store_a, ip)
    response = file(client, store_a, ip, sent_code())
    body = client.get(response.url).content.decode()
    number = Complaint.objects.get().number
    assert f'data-testid="complaint-number">{number}<' in body
    assert url("status", store_a) in body


def test_success_page_without_a_filing_goes_back_to_the_form(client, store_a):
    response = client.get(url("filed", store_a))
    assert response.status_code == 302 and response.url == url("form", store_a)


def test_wrong_code_says_so_and_files_nothing(client, store_a, ip):
    ask_code(client, store_a, ip)
    response = file(client, store_a, ip, wrong(sent_code()))
    body = response.content.decode()
    assert response.status_code == 200
    assert "验证码不正确。此验证码还可尝试4次。" in body
    # The details are still there for the next try.
    assert 'value="保养后发动机有异响"' in body
    assert not Complaint.objects.exists() and not Customer.objects.exists()


def test_expired_code_says_so_and_files_nothing(client, store_a, ip):
    ask_code(client, store_a, ip)
    VerificationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = file(client, store_a, ip, sent_code())
    assert "验证码已过期或已被使用" in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_code_files_once_only(client, store_a, ip):
    ask_code(client, store_a, ip)
    code = sent_code()
    file(client, store_a, ip, code)
    response = file(client, store_a, ip, code)
    assert response.status_code == 200 and "验证码已过期或已被使用" in response.content.decode()
    assert Complaint.objects.count() == 1


def test_too_many_wrong_tries_retire_the_code(client, store_a, ip):
    ask_code(client, store_a, ip)
    code = sent_code()
    for _ in range(verification.MAX_TRIES):
        file(client, store_a, ip, wrong(code))
    response = file(client, store_a, ip, code)
    assert "输错次数过多" in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_mistake_in_the_details_spends_no_try(client, store_a, ip):
    ask_code(client, store_a, ip)
    file(client, store_a, ip, sent_code(), category="nonsense")
    assert VerificationCode.objects.get().attempts == 0


def test_changing_the_details_goes_back_to_step_one(client, store_a, ip):
    ask_code(client, store_a, ip)
    response = client.post(url("form", store_a), {**DETAILS, "code_sent": "1", "edit": "1", "code": ""},
                           REMOTE_ADDR=ip)
    body = response.content.decode()
    assert 'data-testid="send-code"' in body and 'data-testid="file-complaint"' not in body
    assert "保养后发动机有异响" in body and "is-invalid" not in body


def test_codes_are_limited_per_number(client, store_a, ip):
    ask_code(client, store_a, ip)
    response = ask_code(client, store_a, f"{ip}2", description="再次")
    body = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert 'data-testid="page-errors"' in body and 'data-testid="code-sent"' not in body
    assert OutboundMessage.objects.filter(kind="verification_code").count() == 1


def test_a_refused_new_code_keeps_the_first_one_usable(client, store_a, ip):
    ask_code(client, store_a, ip)
    response = client.post(url("send_code", store_a), {"page": "form", "code_sent": "1", **DETAILS}, REMOTE_ADDR=ip)
    assert response.status_code == 429
    assert 'data-testid="file-complaint"' in response.content.decode()
    assert file(client, store_a, ip, sent_code()).status_code == 302


def test_codes_are_limited_per_address(client, store_a, ip, monkeypatch):
    monkeypatch.setattr(verification, "ADDRESS_PER_HOUR", 2)
    ask_code(client, store_a, ip, mobile="13800001111")
    ask_code(client, store_a, ip, mobile="13800002222")
    response = ask_code(client, store_a, ip, mobile="13800003333")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert 'data-testid="page-errors"' in response.content.decode()
    assert OutboundMessage.objects.filter(kind="verification_code").count() == 2


def test_filings_are_limited_per_address(client, store_a, ip, monkeypatch):
    monkeypatch.setattr(public, "FILINGS_PER_HOUR", 2)
    ask_code(client, store_a, ip)
    code = sent_code()
    file(client, store_a, ip, wrong(code))
    file(client, store_a, ip, wrong(code))
    response = file(client, store_a, ip, code)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert 'data-testid="page-errors"' in response.content.decode()
    assert not Complaint.objects.exists()
    # The refused form spent no try of the code.
    assert VerificationCode.objects.get().attempts == 2


def test_the_language_switch_on_a_status_step_returns_to_the_status_page(client, store_a, ip, answered):
    body = ask_status_code(client, store_a, ip, answered.number).content.decode()
    assert f'name="next" value="{url("send_code", store_a)}?page=status"' in body
    response = client.get(url("send_code", store_a) + "?page=status")
    assert response.status_code == 302 and response.url == url("status", store_a)


def test_asking_for_a_code_by_get_goes_back_to_the_page(client, store_a):
    response = client.get(url("send_code", store_a))
    assert response.status_code == 302 and response.url == url("form", store_a)
    response = client.get(url("send_code", store_a) + "?page=status")
    assert response.url == url("status", store_a)


# --- Status ----------------------------------------------------------------------------------
@pytest.fixture
def answered(store_a, personas):
    customer = CustomerFactory(store=store_a, mobile=MOBILE, name="王小明")
    return make_complaint(store=store_a, by=personas["cs_supervisor"], status="answered", customer=customer,
                          staff_concerned="李师傅")


def test_status_page_needs_no_login(client, store_a):
    response = client.get(url("status", store_a))
    assert response.status_code == 200 and 'data-testid="status-ask"' in response.content.decode()


def test_asking_for_a_status_code_queues_the_sms(client, store_a, ip, answered):
    response = ask_status_code(client, store_a, ip, answered.number)
    assert 'data-testid="status-check"' in response.content.decode()
    assert OutboundMessage.objects.get(kind="verification_code").to == MOBILE


def test_right_code_shows_number_date_category_status_and_resolution(client, store_a, ip, answered):
    ask_status_code(client, store_a, ip, answered.number.lower())
    response = look_up(client, store_a, ip, f" {answered.number.lower()} ", sent_code())
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="status-number">{answered.number}<' in body
    with translation.override("zh-hans"):
        from complaints.online import CUSTOMER_STATUS

        assert str(CUSTOMER_STATUS["answered"]) in body
        assert str(Complaint.Category.REPAIR_QUALITY.label) in body
    assert answered.resolution in body
    registered = timezone.localtime(answered.created_at)
    assert f"{registered.year}年{registered.month}月{registered.day}日" in body


def test_status_shows_nothing_beyond_the_allowed_fields(client, store_a, ip, answered, personas):
    other = make_complaint(store=store_a, by=personas["cs_supervisor"], customer=answered.customer,
                           description="另一件投诉")
    ask_status_code(client, store_a, ip, answered.number)
    body = look_up(client, store_a, ip, answered.number, sent_code()).content.decode()
    for secret in (answered.investigation, answered.root_cause, answered.corrective_action,
                   answered.description, answered.staff_concerned, answered.department.name,
                   answered.customer.name, str(personas["cs_supervisor"]), other.number, "另一件投诉",
                   answered.get_severity_display()):
        assert secret not in body, secret


def test_an_open_complaint_shows_no_resolution(client, store_a, ip, answered, personas):
    # Sent back to the department: the earlier resolution no longer holds.
    answered.record_callback(by=personas["cs_supervisor"], satisfied=False, customer_words="还是有异响")
    ask_status_code(client, store_a, ip, answered.number)
    body = look_up(client, store_a, ip, answered.number, sent_code()).content.decode()
    assert 'data-testid="complaint-status"' in body
    assert 'data-testid="status-resolution"' not in body and answered.resolution not in body
    assert "还是有异响" not in body


def test_another_persons_complaint_number_gets_the_neutral_answer(client, store_a, ip, answered):
    ask_status_code(client, store_a, ip, answered.number, mobile="13900009999")
    response = look_up(client, store_a, ip, answered.number, sent_code("13900009999"), mobile="13900009999")
    body = response.content.decode()
    assert not_shown() in body
    assert 'data-testid="complaint-status"' not in body and answered.resolution not in body


def test_unknown_number_gets_the_neutral_answer(client, store_a, ip, answered):
    ask_status_code(client, store_a, ip, "A-2020-99999")
    body = look_up(client, store_a, ip, "A-2020-99999", sent_code()).content.decode()
    assert not_shown() in body and 'data-testid="complaint-status"' not in body


def test_wrong_code_gets_the_neutral_answer(client, store_a, ip, answered):
    ask_status_code(client, store_a, ip, answered.number)
    body = look_up(client, store_a, ip, answered.number, wrong(sent_code())).content.decode()
    assert not_shown() in body and 'data-testid="complaint-status"' not in body
    assert "is-invalid" not in body


def test_expired_code_gets_the_neutral_answer(client, store_a, ip, answered):
    ask_status_code(client, store_a, ip, answered.number)
    VerificationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    body = look_up(client, store_a, ip, answered.number, sent_code()).content.decode()
    assert not_shown() in body and 'data-testid="complaint-status"' not in body


def test_another_stores_complaint_gets_the_neutral_answer(client, store_a, store_b, ip, make_user):
    supervisor_b = make_user("cs_supervisor", [store_b])
    theirs = make_complaint(store=store_b, by=supervisor_b, customer=CustomerFactory(store=store_b, mobile=MOBILE))
    ask_status_code(client, store_a, ip, theirs.number)
    body = look_up(client, store_a, ip, theirs.number, sent_code()).content.decode()
    assert not_shown() in body and 'data-testid="complaint-status"' not in body


def test_a_status_code_is_sent_for_any_number_alike(client, store_a, ip, answered):
    """Asking for a code tells nothing about whether the complaint number exists."""
    known = ask_status_code(client, store_a, ip, answered.number).content.decode()
    unknown = ask_status_code(client, store_a, ip, "A-2020-99999", mobile="13900009999").content.decode()
    assert 'data-testid="code-sent"' in known and 'data-testid="code-sent"' in unknown
    assert OutboundMessage.objects.filter(kind="verification_code").count() == 2


def test_status_codes_are_limited_per_number(client, store_a, ip, answered):
    ask_status_code(client, store_a, ip, answered.number)
    response = ask_status_code(client, store_a, ip, answered.number)
    assert response.status_code == 429 and 'data-testid="page-errors"' in response.content.decode()
    assert OutboundMessage.objects.filter(kind="verification_code").count() == 1


def test_status_look_ups_are_limited_per_address(client, store_a, ip, answered, monkeypatch):
    monkeypatch.setattr(public, "LOOKUPS_PER_HOUR", 1)
    ask_status_code(client, store_a, ip, answered.number)
    code = sent_code()
    look_up(client, store_a, ip, answered.number, wrong(code))
    response = look_up(client, store_a, ip, answered.number, code)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert 'data-testid="complaint-status"' not in response.content.decode()
