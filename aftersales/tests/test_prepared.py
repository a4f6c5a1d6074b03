"""aftersales.prepared: a hot fixed statement prepared once per connection, counted like any
query, and still usable after a transaction that rolled back."""
import pytest
from django.db import connection, transaction

from aftersales.models import Store
from aftersales.prepared import fetch_prepared

pytestmark = pytest.mark.django_db

STATEMENT = "SELECT code, time_zone FROM aftersales_store WHERE id = ANY(%s) ORDER BY code"


def prepared_count():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["SELECT code, time_zone FROM aftersales_store WHERE id = ANY($1)%"])
        return cursor.fetchone()[0]


def test_the_rows_are_those_of_the_statement(store_a, store_b):
    assert fetch_prepared(STATEMENT, [[store_b.pk, store_a.pk]]) == [
        (store_a.code, store_a.time_zone), (store_b.code, store_b.time_zone)]


def test_the_statement_is_prepared_once_per_connection(store_a):
    before = prepared_count()
    for _ in range(3):
        fetch_prepared(STATEMENT, [[store_a.pk]])
    assert prepared_count() == before + 1 == 1


def test_django_queries_are_never_prepared(store_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        before = cursor.fetchone()[0]
    for _ in range(3):
        list(Store.objects.filter(pk=store_a.pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == before


def test_it_is_counted_like_any_query(store_a, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        fetch_prepared(STATEMENT, [[store_a.pk]])
    assert "aftersales_store" in captured.captured_queries[0]["sql"]


def test_it_runs_again_after_a_rolled_back_transaction(store_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        fetch_prepared(STATEMENT, [[store_a.pk]])
        raise RuntimeError
    assert fetch_prepared(STATEMENT, [[store_a.pk]]) == [(store_a.code, store_a.time_zone)]


def test_it_runs_again_after_a_failed_statement(store_a):
    with pytest.raises(Exception), transaction.atomic():
        fetch_prepared(STATEMENT, [[store_a.pk]])
        fetch_prepared("SELECT 1 / 0 WHERE %s", [True])
    assert fetch_prepared(STATEMENT, [[store_a.pk]]) == [(store_a.code, store_a.time_zone)]


# --- prepared_reads: the ORM's queries of a block or a view, prepared ------------------------
def statements_like(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [text])
        return cursor.fetchone()[0]


def test_the_orm_s_queries_inside_are_prepared_and_those_after_are_not(store_a):
    from aftersales.prepared import prepared_reads

    with prepared_reads():
        assert Store.objects.get(code="a") == store_a
    assert statements_like('%FROM "aftersales_store" WHERE "aftersales_store"."code" = $1%') == 1
    Store.objects.filter(name="甲店").count()
    assert statements_like('%"aftersales_store"."name" = $1%') == 0


def test_a_prepared_statement_is_reused_for_other_values(store_a, store_b):
    from aftersales.prepared import prepared_reads

    with prepared_reads():
        found = [Store.objects.get(code=code).name for code in ("a", "b", "a")]
    assert found == ["甲店", "乙店", "甲店"]
    assert statements_like('%FROM "aftersales_store" WHERE "aftersales_store"."code" = $1%') == 1


def test_rows_read_prepared_are_those_read_as_usual(store_a):
    """JSON, times, dates and numbers come back as the fields read them outside."""
    from aftersales.messaging.models import OutboundMessage
    from aftersales.prepared import prepared_reads

    OutboundMessage.objects.create(store=store_a, kind="service_reminder", purpose="service", channel="sms",
                                   to="13800138000", language="zh-hans", idempotency_key="k-1",
                                   context={"plate": "京A12345", "hours": 1.5, "parts": [1, 2]})
    usual = OutboundMessage.objects.values().get(idempotency_key="k-1")
    with prepared_reads():
        prepared = OutboundMessage.objects.values().get(idempotency_key="k-1")
        store = Store.objects.get(pk=store_a.pk)
    assert prepared == usual and prepared["context"]["hours"] == 1.5
    assert store.opens_at == Store.objects.get(pk=store_a.pk).opens_at


def test_prepared_reads_run_again_after_a_failed_statement(store_a):
    from django.db import DatabaseError

    from aftersales.prepared import prepared_reads

    with pytest.raises(DatabaseError), transaction.atomic(), prepared_reads():
        Store.objects.get(code="a")
        Store.objects.extra(where=["1 / 0 = 1"]).count()
    with prepared_reads():
        assert Store.objects.get(code="a") == store_a


def test_a_decorated_page_s_reads_are_prepared(client, personas):
    from django.urls import reverse

    from customers.models import Customer

    from aftersales.tests.factories import CustomerFactory

    customer = CustomerFactory(store=personas["advisor"].stores.first())
    client.force_login(personas["advisor"])
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert statements_like(f'%FROM "{Customer._meta.db_table}"%$1%') >= 1
