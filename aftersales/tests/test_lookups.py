from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.models import Store


def test_any_finds_the_same_rows_as_in(db):
    stores = [Store.objects.create(code=f"any-{n}", name=f"门店{n}") for n in range(4)]
    codes = ["any-1", "any-3", "nowhere"]
    assert set(Store.objects.filter(code__any=codes)) == set(Store.objects.filter(code__in=codes))
    ids = [stores[0].pk, stores[2].pk]
    assert set(Store.objects.filter(pk__any=ids)) == {stores[0], stores[2]}


def test_any_of_nothing_finds_nothing(db):
    Store.objects.create(code="any-x", name="门店")
    assert not Store.objects.filter(code__any=[]).exists()


def test_any_sends_the_values_as_one_parameter(db):
    codes = [f"code-{n}" for n in range(500)]
    sql, params = Store.objects.filter(code__any=codes).query.sql_with_params()
    assert sql.count("%s") == 1 and params == (codes,)
    with CaptureQueriesContext(connection) as captured:
        list(Store.objects.filter(code__any=codes))
    assert "= ANY(" in captured.captured_queries[0]["sql"]
