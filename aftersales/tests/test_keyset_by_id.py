"""aftersales.pagination.keyset_page_by_id: the page of the joined rows read in two steps, the
ids by the filters and the rows by id, in one prepared statement whatever the filters."""
import pytest
from django.db import connection

from aftersales.models import Department
from aftersales.pagination import keyset_page, keyset_page_by_id
from aftersales.tests.factories import DepartmentFactory, StoreFactory

pytestmark = pytest.mark.django_db

ORDER = ("-name", "-id")


@pytest.fixture
def departments():
    stores = [StoreFactory(code=f"k{n}") for n in range(3)]
    return [DepartmentFactory(store=stores[n % 3], name=f"部门{n:02d}") for n in range(25)]


def prepared_rows_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s AND statement LIKE %s",
                       ['%"aftersales_department"."id" = ANY($1)%', "%aftersales_store%"])
        return cursor.fetchone()[0]


def test_the_pages_are_those_of_the_joined_queryset(departments):
    joined = Department.objects.select_related("store")
    filtered = Department.objects.exclude(name="部门03")
    cursor, pages = None, 0
    while True:
        expected = keyset_page(joined.exclude(name="部门03"), order=ORDER, cursor=cursor, size=10)
        page = keyset_page_by_id(filtered, joined, order=ORDER, cursor=cursor, size=10)
        assert [d.pk for d in page] == [d.pk for d in expected]
        assert [d.store.code for d in page] == [d.store.code for d in expected]
        assert page.next_cursor == expected.next_cursor
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3


def test_the_rows_read_in_one_prepared_statement_whatever_the_filters(departments, django_assert_num_queries):
    rows = Department.objects.select_related("store")
    before = prepared_rows_statements()
    with django_assert_num_queries(2):
        keyset_page_by_id(Department.objects.filter(store__code="k1"), rows, order=ORDER, size=5)
    keyset_page_by_id(Department.objects.filter(name__startswith="部门1"), rows, order=ORDER, size=5)
    keyset_page_by_id(Department.objects.all(), rows, order=ORDER, size=5)
    assert prepared_rows_statements() == before + 1
