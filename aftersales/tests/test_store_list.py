import pytest
from django.urls import reverse

from aftersales.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_store_list_runs_a_fixed_number_of_queries(
    client, make_user, django_assert_num_queries
):
    director = make_user("manager", [], all_stores=True)
    client.force_login(director)
    StoreFactory.create_batch(3)
    # New stores: the director's access is read again, once (aftersales.access).
    client.get(reverse("store_list"))
    with django_assert_num_queries(3) as few:
        client.get(reverse("store_list"))
    count = len(few.captured_queries)
    StoreFactory.create_batch(60)
    client.get(reverse("store_list"))
    with django_assert_num_queries(count):
        response = client.get(reverse("store_list"))
    assert len(response.context["page"]) == 50


def test_store_list_filters_by_text(client, make_user):
    director = make_user("manager", [], all_stores=True)
    StoreFactory(code="gz", name="广州天河店")
    StoreFactory(code="sz", name="深圳南山店")
    client.force_login(director)
    body = client.get(reverse("store_list"), {"q": "天河"}).content.decode()
    assert "广州天河店" in body and "深圳南山店" not in body


def test_htmx_request_gets_only_the_rows(client, make_user, store_a):
    client.force_login(make_user("advisor", [store_a]))
    response = client.get(reverse("store_list"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


def test_store_page_runs_a_fixed_number_of_queries(
    client, make_user, store_a, django_assert_num_queries
):
    from aftersales.tests.factories import DepartmentFactory

    client.force_login(make_user("advisor", [store_a]))
    url = reverse("store_detail", args=[store_a.pk])
    DepartmentFactory.create_batch(2, store=store_a)
    with django_assert_num_queries(5):
        client.get(url)
    DepartmentFactory.create_batch(5, store=store_a)
    for _ in range(10):
        make_user("cs_agent", [store_a])
    client.get(url)  # giving roles made every user's cached permissions stale: read them again
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["staff"]) == 11
