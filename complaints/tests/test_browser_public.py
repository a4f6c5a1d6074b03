"""A customer on a phone, in a real browser and without a login: files a complaint with the code
from the SMS, then sees its status with the number and the mobile."""
import datetime as dt

import pytest
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.verification import _AddressBucket, _client_address
from aftersales.messaging.verification_models import VerificationCode
from complaints.models import Complaint
from complaints.online import SubmissionLimit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "13812345678"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def fresh_address_counters():
    """The live server sees every request from 127.0.0.1; its Redis counters outlive the test's
    database, so earlier runs this hour must not count."""
    now = timezone.now()
    cache.delete_many([
        _AddressBucket(_client_address("127.0.0.1"), now).key,
        SubmissionLimit("file", "127.0.0.1", limit=1, now=now).key,
        SubmissionLimit("status", "127.0.0.1", limit=1, now=now).key,
    ])


def sent_code():
    return OutboundMessage.objects.filter(kind="verification_code", to=MOBILE).latest("created_at", "pk").context["code"]


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_customer_files_a_complaint_and_sees_its_status(page, store_a):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size(PHONE)

    page.goto(f"/c/{store_a.code}/")
    expect(page.locator("[data-testid=store-name]")).to_have_text(store_a.name)
    assert fits_the_screen(page)
    page.fill("#id_name", "赵先生")
    page.fill("#id_mobile", MOBILE)
    page.fill("#id_plate", "京A12345")
    page.select_option("#id_category", "waiting_time")
    page.fill("#id_description", "等了三个小时才交车")
    page.click("[data-testid=send-code]")
    expect(page.locator("[data-testid=code-sent]")).to_be_visible()
    expect(page.locator("[data-testid=complaint-summary]")).to_contain_text("等了三个小时才交车")
    page.fill("#id_code", sent_code())
    page.click("[data-testid=file-complaint]")

    complaint = Complaint.objects.get()
    expect(page.locator("[data-testid=complaint-number]")).to_have_text(complaint.number)
    assert (complaint.channel, complaint.category, complaint.customer.name) == ("online", "waiting_time", "赵先生")
    assert "京A12345" in complaint.description

    page.click("[data-testid=status-link]")
    page.fill("#id_number", complaint.number)
    page.fill("#id_mobile", MOBILE)
    # A second code to the same number needs a minute's pause: the first one is made older.
    VerificationCode.objects.update(created_at=F("created_at") - dt.timedelta(minutes=2))
    page.click("[data-testid=send-code]")
    expect(page.locator("[data-testid=code-sent]")).to_be_visible()
    page.fill("#id_code", sent_code())
    page.click("[data-testid=show-status]")
    expect(page.locator("[data-testid=status-number]")).to_have_text(complaint.number)
    expect(page.locator("[data-testid=complaint-status]")).not_to_contain_text("等了三个小时才交车")
    assert fits_the_screen(page)

    # English through the language switch, back on the status page.
    page.locator("[data-testid=language-switch] button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Complaint status")
    assert errors == []
