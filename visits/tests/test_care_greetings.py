"""Birthday and festival greetings: dates from the libraries, 29 February, and the marketing
rules the outbox applies (consent, daily cap, quiet hours, opt-out line)."""
import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.services import send_due_messages
from aftersales.tests.factories import CustomerFactory
from customers.services import record_consent
from visits.care.festivals import festival_dates, festivals_greeted_on
from visits.care.jobs import run_daily_care
from visits.models import CarePolicy

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# Published dates (State Council holiday notices; Hong Kong Observatory lunar calendar).
PUBLISHED = {
    2025: {"spring_festival": "01-29", "lantern": "02-12", "dragon_boat": "05-31", "qixi": "08-29",
           "mid_autumn": "10-06", "national_day": "10-01", "new_year": "01-01"},
    2026: {"spring_festival": "02-17", "lantern": "03-03", "dragon_boat": "06-19", "qixi": "08-19",
           "mid_autumn": "09-25", "national_day": "10-01", "new_year": "01-01"},
    2027: {"spring_festival": "02-06", "lantern": "02-20", "dragon_boat": "06-09", "qixi": "08-08",
           "mid_autumn": "09-15", "national_day": "10-01", "new_year": "01-01"},
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_festival_dates_match_the_published_calendar(year):
    expected = {code: dt.date.fromisoformat(f"{year}-{day}") for code, day in PUBLISHED[year].items()}
    assert festival_dates(year) == expected


def test_greetings_go_the_day_before_the_festival():
    assert [f.code for f, _day in festivals_greeted_on(dt.date(2026, 3, 2))] == ["lantern"]
    assert [f.code for f, _day in festivals_greeted_on(dt.date(2026, 12, 31))] == ["new_year"]
    assert festivals_greeted_on(dt.date(2026, 3, 3)) == []


def consenting(store, **fields):
    customer = CustomerFactory(store=store, **fields)
    record_consent(customer=customer, channel="marketing", granted=True, method="signed_form", by=None)
    return customer


def greet(day, hour=10):
    return run_daily_care(day=day, now=dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI))


def test_a_birthday_greeting_goes_on_the_day_once_and_only_with_marketing_consent(store_a):
    fan = consenting(store_a, birthday=dt.date(1985, 6, 1))
    CustomerFactory(store=store_a, birthday=dt.date(1990, 6, 1))  # no consent
    consenting(store_a, birthday=dt.date(1990, 6, 2))
    greet(dt.date(2026, 6, 1))
    greet(dt.date(2026, 6, 1))
    assert list(OutboundMessage.objects.filter(kind="birthday").values_list("customer", flat=True)) == [fan.pk]


@pytest.mark.parametrize("day, greeted", [(dt.date(2026, 2, 28), True), (dt.date(2026, 3, 1), False),
                                          (dt.date(2028, 2, 28), False), (dt.date(2028, 2, 29), True)])
def test_a_29_february_birthday_is_greeted_on_the_28th_in_other_years(store_a, day, greeted):
    consenting(store_a, birthday=dt.date(1992, 2, 29))
    greet(day)
    assert OutboundMessage.objects.filter(kind="birthday").exists() == greeted


def test_a_store_may_turn_birthday_greetings_off(store_a):
    CarePolicy.objects.create(store=store_a, greet_birthdays=False)
    consenting(store_a, birthday=dt.date(1985, 6, 1))
    greet(dt.date(2026, 6, 1))
    assert not OutboundMessage.objects.filter(kind="birthday").exists()


def test_festival_greetings_name_the_festival_in_the_customer_s_language(store_a):
    zh = consenting(store_a)
    en = consenting(store_a, preferred_language="en")
    CustomerFactory(store=store_a)  # no consent: nothing
    greet(dt.date(2026, 9, 24))
    greet(dt.date(2026, 9, 24))
    messages = {m.customer_id: m for m in OutboundMessage.objects.filter(kind="holiday")}
    assert set(messages) == {zh.pk, en.pk}
    assert messages[zh.pk].context["holiday"] == "中秋节"
    assert messages[en.pk].context["holiday"] == "Mid-Autumn Festival"


def test_the_outbox_applies_the_marketing_rules_to_greetings(store_a):
    call_command("seed_message_templates", stdout=io.StringIO())
    withdrawn = consenting(store_a)
    capped = consenting(store_a, birthday=dt.date(1980, 9, 24))  # birthday and festival greeting: one a day
    plain = consenting(store_a)
    day = dt.date(2026, 9, 24)
    greet(day, hour=22)  # quiet hours: queued, not sent
    record_consent(customer=withdrawn, channel="marketing", granted=False, method="phone", by=None)
    late = dt.datetime.combine(day, dt.time(22), tzinfo=SHANGHAI)
    counts = send_due_messages(now=late)
    assert (counts["deferred"], counts["suppressed"]) == (3, 1)  # consent is checked first
    morning = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(8, 30), tzinfo=SHANGHAI)
    send_due_messages(now=morning)
    by_customer = {}
    for m in OutboundMessage.objects.all():
        by_customer.setdefault(m.customer_id, []).append((m.status, m.suppression_reason))
    assert by_customer[withdrawn.pk] == [("suppressed", "no_consent")]
    assert sorted(by_customer[capped.pk]) == [("sent", ""), ("suppressed", "daily_cap")]
    assert by_customer[plain.pk] == [("sent", "")]
    sent = OutboundMessage.objects.get(customer=plain, status="sent")
    assert "中秋节" in sent.body and store_a.sms_opt_out_wording in sent.body
