"""A store's departments are read once and kept in the cache; any change of a department is
offered on the very next request."""
import pytest
from django.urls import reverse
from django.utils import translation

from aftersales.store_lookups import store_departments
from aftersales.tests.factories import DepartmentFactory
from complaints import selectors

pytestmark = pytest.mark.django_db


def _names(store):
    return [name for _pk, name, _en in store_departments(store.pk)]


def test_a_stores_departments_come_from_the_cache_once_read(store_a, store_b, django_assert_num_queries):
    DepartmentFactory(store=store_a, kind="workshop", name="机修车间")
    DepartmentFactory(store=store_b, kind="workshop", name="乙店车间")
    assert _names(store_a) == ["机修车间"]
    with django_assert_num_queries(0):
        assert _names(store_a) == ["机修车间"]


def test_a_department_added_renamed_or_deleted_is_offered_at_once(store_a):
    workshop = DepartmentFactory(store=store_a, kind="workshop", name="机修车间")
    assert _names(store_a) == ["机修车间"]
    parts = DepartmentFactory(store=store_a, kind="parts", name="配件部")
    assert _names(store_a) == ["配件部", "机修车间"]
    workshop.name = "钣喷车间"
    workshop.save()
    assert _names(store_a) == ["配件部", "钣喷车间"]
    parts.delete()
    assert _names(store_a) == ["钣喷车间"]


def test_the_cached_departments_are_named_in_the_users_language(store_a):
    DepartmentFactory(store=store_a, kind="workshop", name="机修车间", name_en="Workshop")
    with translation.override("zh-hans"):
        assert [name for _pk, name in selectors.department_choices([store_a.pk], with_store=False)] == ["机修车间"]
    with translation.override("en"):
        assert [name for _pk, name in selectors.department_choices([store_a.pk], with_store=False)] == ["Workshop"]


def test_the_complaint_list_offers_a_department_added_since_the_last_request(client, personas, store_a):
    client.force_login(personas["cs_supervisor"])
    url = reverse("complaints:list")
    DepartmentFactory(store=store_a, kind="workshop", name="机修车间")
    assert "机修车间" in client.get(url).content.decode()
    DepartmentFactory(store=store_a, kind="sales", name="新车销售部")
    assert "新车销售部" in client.get(url).content.decode()
