"""The delivery log: store scoping, roles, filters, counts per status, masked numbers, a fixed
number of queries; and the customer page's list of messages."""
import datetime as dt
import itertools

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.selectors import messages_for_customer
from aftersales.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status
_keys = itertools.count()
LOG = reverse("messaging:log")


def make_message(store, *, kind="appointment_reminder", status=Status.SENT, channel="sms",
                 to="13812345678", customer=None, created_at=None, body="", **fields):
    from aftersales.messaging.kinds import KINDS

    return OutboundMessage.objects.create(
        store=store, customer=customer, kind=kind, purpose=KINDS[kind].purpose, channel=channel,
        to=to, language="zh-hans", idempotency_key=f"test-log-{next(_keys)}", status=status,
        created_at=created_at or timezone.now(), body=body or f"{kind} text", **fields,
    )


def rows(response):
    return list(response.context["page"])


def counts(response):
    return {status: count for status, _label, count in response.context["counts"]}


@pytest.mark.parametrize("role", ["cs_supervisor", "manager", "admin"])
def test_supervisors_managers_and_admins_see_the_log(client, personas, store_a, role):
    make_message(store_a)
    client.force_login(personas[role])
    response = client.get(LOG)
    assert response.status_code == 200
    assert len(rows(response)) == 1


@pytest.mark.parametrize("role", ["advisor", "cs_agent", "dept_head"])
def test_other_roles_are_refused(client, personas, role):
    client.force_login(personas[role])
    assert client.get(LOG).status_code == 403


def test_nobody_and_anonymous_are_kept_out(client, nobody):
    assert client.get(LOG).status_code == 302  # to the login page
    client.force_login(nobody)
    assert client.get(LOG).status_code == 403


def test_another_stores_messages_are_never_listed_nor_shown(client, personas, store_a, store_b):
    ours = make_message(store_a, body="甲店的提醒")
    theirs = make_message(store_b, body="乙店的提醒", to="13999998888")
    client.force_login(personas["manager"])
    response = client.get(LOG)
    body = response.content.decode()
    assert [m.pk for m in rows(response)] == [ours.pk]
    assert "乙店的提醒" not in body and "乙店" not in body.split('id="message-rows"')[1]
    assert counts(response)["sent"] == 1
    # Asking for the other store by its id does not widen the list.
    assert [m.pk for m in rows(client.get(LOG, {"store": store_b.pk}))] == [ours.pk]
    assert client.get(reverse("messaging:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("messaging:detail", args=[ours.pk])).status_code == 200


def test_a_group_wide_manager_sees_every_store_and_filters_by_store(client, make_user, store_a, store_b):
    director = make_user("manager", [], username="director", all_stores=True)
    a, b = make_message(store_a), make_message(store_b)
    client.force_login(director)
    assert {m.pk for m in rows(client.get(LOG))} == {a.pk, b.pk}
    assert [m.pk for m in rows(client.get(LOG, {"store": store_b.pk}))] == [b.pk]


def test_filters_by_kind_status_channel_and_date(client, personas, store_a):
    now = timezone.now()
    reminder = make_message(store_a, kind="appointment_reminder", created_at=now - dt.timedelta(days=10))
    failed = make_message(store_a, kind="maintenance_due", status=Status.FAILED, last_error="timeout")
    email = make_message(store_a, kind="complaint_outcome", channel="email", to="zhang.wei@example.com")
    client.force_login(personas["cs_supervisor"])
    pks = lambda params: [m.pk for m in rows(client.get(LOG, params))]  # noqa: E731
    assert pks({"kind": "appointment_reminder"}) == [reminder.pk]
    assert pks({"status": "failed"}) == [failed.pk]
    assert pks({"channel": "email"}) == [email.pk]
    today = timezone.localdate(now)
    assert set(pks({"queued_after": (today - dt.timedelta(days=1)).isoformat()})) == {failed.pk, email.pk}
    day = timezone.localdate(reminder.created_at).isoformat()
    assert pks({"queued_after": day, "queued_before": day}) == [reminder.pk]


def test_counts_per_status_cover_the_filtered_set(client, personas, store_a, store_b):
    for status, n in [(Status.SENT, 3), (Status.FAILED, 2), (Status.SUPPRESSED, 1), (Status.QUEUED, 4)]:
        for _ in range(n):
            make_message(store_a, status=status)
    make_message(store_a, kind="birthday", status=Status.SUPPRESSED, suppression_reason="no_consent")
    make_message(store_b, status=Status.FAILED)
    client.force_login(personas["manager"])
    response = client.get(LOG)
    assert counts(response) == {"queued": 4, "sending": 0, "sent": 3, "failed": 2, "suppressed": 2}
    assert counts(client.get(LOG, {"kind": "birthday"})) == {
        "queued": 0, "sending": 0, "sent": 0, "failed": 0, "suppressed": 1
    }
    assert counts(client.get(LOG, {"status": "failed"}))["failed"] == 2


def test_numbers_are_masked_and_codes_hidden(client, personas, store_a):
    customer = CustomerFactory(store=store_a, name="王芳", mobile="13712345678")
    make_message(store_a, customer=customer, to="13712345678", body="王芳您好，保养提醒")
    make_message(store_a, kind="verification_code", to="13698765432", body="您的验证码是481516")
    make_message(store_a, kind="complaint_outcome", channel="email", to="wangfang@example.com")
    client.force_login(personas["manager"])
    body = client.get(LOG).content.decode()
    assert "137****5678" in body and "13712345678" not in body
    assert "136****5432" in body and "13698765432" not in body
    assert "w***@example.com" in body and "wangfang@" not in body
    assert "481516" not in body and "王芳您好" in body


def test_the_detail_page_masks_the_number_and_hides_a_code(client, personas, store_a):
    code = make_message(store_a, kind="verification_code", to="13698765432", body="验证码123987")
    client.force_login(personas["manager"])
    body = client.get(reverse("messaging:detail", args=[code.pk])).content.decode()
    assert "136****5432" in body and "13698765432" not in body and "123987" not in body


def test_the_log_pages_by_keyset_with_a_fixed_number_of_queries(
    client, personas, store_a, django_assert_num_queries
):
    customer = CustomerFactory(store=store_a)
    for _ in range(3):
        make_message(store_a, customer=customer)
    client.force_login(personas["cs_supervisor"])
    with django_assert_num_queries(4) as few:
        client.get(LOG)
    start = timezone.now() - dt.timedelta(hours=2)
    for n in range(60):
        make_message(store_a, customer=CustomerFactory(store=store_a), created_at=start + dt.timedelta(minutes=n),
                     status=[Status.SENT, Status.FAILED, Status.SUPPRESSED][n % 3])
    with django_assert_num_queries(len(few.captured_queries)):
        first = client.get(LOG)
    assert len(rows(first)) == 50
    second = client.get(LOG, {"after": first.context["page"].next_cursor})
    assert len(rows(second)) == 13
    assert not {m.pk for m in rows(first)} & {m.pk for m in rows(second)}
    ordered = rows(first) + rows(second)
    assert ordered == sorted(ordered, key=lambda m: (m.created_at, m.pk), reverse=True)
    # The htmx partial (rows and counts only) is fixed too, and smaller.
    with django_assert_num_queries(3):  # no filter form, no menu
        partial = client.get(LOG, headers={"HX-Request": "true"})
    assert [t.name for t in partial.templates][0] == "aftersales/messaging/partials/message_rows.html"


def test_messages_for_customer_newest_first_limited_in_one_query(
    store_a, django_assert_num_queries
):
    customer = CustomerFactory(store=store_a, mobile="13512345678")
    other = CustomerFactory(store=store_a)
    start = timezone.now() - dt.timedelta(days=1)
    made = [
        make_message(store_a, customer=customer, to=customer.mobile, created_at=start + dt.timedelta(minutes=n))
        for n in range(5)
    ]
    make_message(store_a, customer=other)
    with django_assert_num_queries(1):
        shown = messages_for_customer(customer, limit=3)
        assert [m.pk for m in shown] == [m.pk for m in reversed(made)][:3]
    assert shown.truncated and shown.limit == 3
    assert not messages_for_customer(customer).truncated
    html = render_to_string(
        "aftersales/messaging/partials/customer_messages.html", {"customer_messages": shown}
    )
    assert html.count('data-testid="customer-message"') == 3
    assert "135****5678" in html and "13512345678" not in html


def test_the_customer_partial_says_when_there_is_nothing(store_a):
    customer = CustomerFactory(store=store_a)
    html = render_to_string(
        "aftersales/messaging/partials/customer_messages.html",
        {"customer_messages": messages_for_customer(customer)},
    )
    assert 'data-testid="customer-message"' not in html and "customer-messages" in html
