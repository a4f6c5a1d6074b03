"""Customer and repair-order lists: filters, keyset pages, fixed query counts, Excel export."""
import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.tests.cells import cell_texts
from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.loyalty import refresh_loyalty
from customers.services import record_consent

pytestmark = pytest.mark.django_db


def test_customer_list_pages_by_keyset_with_fixed_queries(
    client, personas, store_a, django_assert_num_queries
):
    CustomerFactory.create_batch(3, store=store_a)
    client.force_login(personas["cs_supervisor"])
    url = reverse("customers:list")
    # The user's stores to choose from come with their access, from the cache.
    with django_assert_num_queries(3) as few:
        client.get(url)
    CustomerFactory.create_batch(60, store=store_a)
    with django_assert_num_queries(len(few.captured_queries)):
        first = client.get(url)
    assert len(first.context["page"]) == 50
    second = client.get(url, {"after": first.context["page"].next_cursor})
    assert len(second.context["page"]) == 13
    assert not {c.pk for c in first.context["page"]} & {c.pk for c in second.context["page"]}


def test_customer_list_filters_by_tier_and_consent(client, personas, store_a):
    loyal = CustomerFactory(store=store_a, name="忠诚客户")
    vehicle = VehicleFactory(owner=loyal)
    for days in (5, 60, 120, 200):
        ServiceVisitFactory(vehicle=vehicle, opened_at=timezone.now() - timedelta(days=days))
    CustomerFactory(store=store_a, name="新客户")
    refresh_loyalty()
    record_consent(customer=loyal, channel="marketing", granted=True, method="signed_form", by=None)
    client.force_login(personas["manager"])
    names = lambda response: [c.name for c in response.context["page"]]  # noqa: E731
    assert names(client.get(reverse("customers:list"), {"loyalty_tier": "loyal"})) == ["忠诚客户"]
    assert names(client.get(reverse("customers:list"), {"marketing_consent": "true"})) == ["忠诚客户"]
    assert names(client.get(reverse("customers:list"), {"marketing_consent": "false"})) == ["新客户"]


def test_customer_list_never_shows_another_store(client, personas, store_a, store_b):
    CustomerFactory(store=store_b, name="乙店客户")
    client.force_login(personas["manager"])
    body = client.get(reverse("customers:list")).content.decode()
    assert "乙店客户" not in body


# The page's ids by the filters, then its rows by id (aftersales.pagination.keyset_page_by_id).
def test_repair_order_list_filters_and_counts_queries(
    client, personas, store_a, django_assert_num_queries
):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a))
    ServiceVisitFactory.create_batch(3, vehicle=vehicle, repair_type="warranty")
    client.force_login(personas["cs_supervisor"])
    url = reverse("customers:visit_list")
    with django_assert_num_queries(5) as few:
        client.get(url)
    ServiceVisitFactory.create_batch(60, vehicle=vehicle)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 50
    warranty = client.get(url, {"repair_type": "warranty"})
    assert len(warranty.context["page"]) == 3


def test_export_streams_the_filtered_customers_with_masked_mobiles(client, personas, store_a, store_b):
    CustomerFactory(store=store_a, name="甲客户", mobile="13811112222")
    CustomerFactory(store=store_b, name="乙客户")
    client.force_login(personas["cs_supervisor"])
    response = client.get(reverse("customers:export"))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "姓名"
    assert [(r[1], r[2]) for r in rows[1:]] == [("甲客户", "138****2222")]


def test_export_of_repair_orders(client, personas, store_a):
    ServiceVisitFactory(vehicle=VehicleFactory(owner=CustomerFactory(store=store_a)), order_no="RO-X1")
    client.force_login(personas["manager"])
    response = client.get(reverse("customers:visit_export"), {"repair_type": "maintenance"})
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["RO-X1"]


@pytest.mark.parametrize("role", ["advisor", "cs_agent", "dept_head"])
def test_export_is_refused_to_roles_without_it(client, personas, role):
    client.force_login(personas[role])
    assert client.get(reverse("customers:export")).status_code == 403


def test_the_lists_read_the_user_s_stores_by_their_ids(client, personas, store_a):
    """The store scope is a literal list (so PostgreSQL reads a per-store index newest first),
    still nothing of another store."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas["cs_supervisor"])
    for name in ("customers:list", "customers:visit_list"):
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse(name))
        listing = next(q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"] and "LIMIT 51" in q["sql"])
        assert f"store_id\" IN ({store_a.pk})" in listing


def test_the_repair_order_filter_shows_each_field_with_its_label_and_errors(client, personas):
    client.force_login(personas["cs_supervisor"])
    response = client.get(reverse("customers:visit_list"), {"repair_type": "no-such-type"})
    body = response.content.decode()
    assert '<label class="form-label small mb-1" for="id_repair_type">维修类型</label>' in body
    assert re.search(r'<select name="repair_type" class="form-select form-select-sm"[^>]*id="id_repair_type"', body)
    assert 'class="form-control form-control-sm"' in body
    assert '<div class="invalid-feedback d-block">' in body


@pytest.mark.parametrize("language,complaint", [("zh-hans", "投诉"), ("en", "Complaint")])
def test_a_repair_order_row_shows_its_cells_in_the_user_s_language(client, personas, store_a, language, complaint):
    import datetime as dt

    from django.utils import translation

    visit = ServiceVisitFactory(
        vehicle=VehicleFactory(owner=CustomerFactory(store=store_a, name="王<五>"), plate="京A12345"),
        order_no="RO-ROW-1", advisor_name="李顾问", amount="1234.50",
        opened_at=dt.datetime(2026, 11, 30, 17, 5, tzinfo=dt.UTC),
    )
    supervisor = personas["cs_supervisor"]
    supervisor.language = language
    supervisor.save(update_fields=["language"])
    client.force_login(supervisor)
    body = client.get(reverse("customers:visit_list")).content.decode()
    [row] = re.findall(r"<tr>\s*<td>RO-ROW-1</td>(.*?)</tr>", body, re.S)
    cells = cell_texts(row)
    with translation.override(language):
        labels = [str(visit.get_repair_type_display()), str(visit.get_status_display())]
    # Opened in the store's time zone (Beijing, UTC+8); the name escaped.
    assert cells == [*labels, "2026-12-01 01:05", "王&lt;五&gt;", "京A12345", "李顾问", "1234.50", complaint]
    assert f'href="{reverse("customers:detail", args=[visit.customer_id])}"' in row


def test_the_advisor_filter_offers_the_advisors_of_the_user_s_stores_by_name(client, personas, make_user, store_a, store_b):
    make_user("advisor", [store_a], username="adv-named", full_name="周顾问")
    make_user("advisor", [store_a], username="adv-plain", full_name="")
    make_user("advisor", [store_b], username="adv-other", full_name="乙店顾问")
    make_user("cs_agent", [store_a], username="agent-a", full_name="甲店客服")
    client.force_login(personas["cs_supervisor"])
    body = client.get(reverse("customers:visit_list")).content.decode()
    select = re.search(r'<select name="advisor".*?</select>', body, re.S).group(0)
    labels = re.findall(r"<option value=\"\d+\">([^<]*)</option>", select)
    # Named by their full name, else their user name; no advisor of another store, nobody else.
    assert "周顾问" in labels and "adv-plain" in labels
    assert "乙店顾问" not in labels and "甲店客服" not in labels


def test_the_repair_order_list_filters_by_advisor_and_refuses_one_of_another_store(
    client, personas, make_user, store_a, store_b
):
    mine = make_user("advisor", [store_a], username="adv-mine")
    other = make_user("advisor", [store_b], username="adv-theirs")
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a))
    ServiceVisitFactory(vehicle=vehicle, advisor=mine, order_no="RO-MINE")
    ServiceVisitFactory(vehicle=vehicle, order_no="RO-NOBODY")
    client.force_login(personas["cs_supervisor"])
    url = reverse("customers:visit_list")
    assert [v.order_no for v in client.get(url, {"advisor": mine.pk}).context["page"]] == ["RO-MINE"]
    refused = client.get(url, {"advisor": other.pk}).content.decode()
    # As every filter answers a value it does not offer: said beside the field, and not applied.
    assert re.search(r'for="id_advisor">[^<]*</label>\s*<select[^>]*>.*?</select>\s*<div class="invalid-feedback d-block">',
                     refused, re.S)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_customer_row_shows_its_cells_in_the_user_s_language(client, personas, store_a, language):
    import datetime as dt

    from django.utils import translation

    from customers.models import Customer

    customer = CustomerFactory(store=store_a, name="赵<六>", mobile="13812345678", do_not_contact=True)
    Customer.objects.filter(pk=customer.pk).update(
        loyalty_tier="loyal", visit_count=7, last_visit_at=dt.datetime(2026, 11, 30, 17, 5, tzinfo=dt.UTC))
    supervisor = personas["cs_supervisor"]
    supervisor.language = language
    supervisor.save(update_fields=["language"])
    client.force_login(supervisor)
    body = client.get(reverse("customers:list")).content.decode()
    link = f'<a href="{reverse("customers:detail", args=[customer.pk])}">赵&lt;六&gt;</a>'
    [row] = re.findall(rf"<tr>\s*<td>{re.escape(link)}(.*?)</tr>", body, re.S)
    with translation.override(language):
        flag, tier = str(translation.gettext("Do not contact")), str(Customer(loyalty_tier="loyal").get_loyalty_tier_display())
    # The mobile masked, the last visit on the store's (Beijing) day.
    assert cell_texts(f"<td>{row}") == [flag, "138****5678", "甲店", tier, "7", "2026-12-01"]


def test_the_customer_filter_shows_each_field_with_its_label(client, personas):
    client.force_login(personas["cs_supervisor"])
    body = client.get(reverse("customers:list"), {"loyalty_tier": "no-such-tier"}).content.decode()
    assert re.search(r'<label class="form-label small mb-1" for="id_loyalty_tier">[^<]+</label>', body)
    assert re.search(r'<select name="store" class="form-select form-select-sm"', body)
    assert '<div class="invalid-feedback d-block">' in body
