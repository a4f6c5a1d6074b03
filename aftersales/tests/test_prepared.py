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
