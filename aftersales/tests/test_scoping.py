"""A user of store A sees store A's records and gets 404 for store B's, whatever the role."""
import pytest
from django.urls import reverse

from aftersales.models import Department, Store
from aftersales.scoping import for_user
from conftest import ROLE_NAMES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_user_of_store_a_sees_store_a(client, personas, store_a, role):
    client.force_login(personas[role])
    response = client.get(reverse("store_detail", args=[store_a.pk]))
    assert response.status_code == 200
    assert store_a.name in response.content.decode()


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_user_of_store_a_gets_404_for_store_b(client, personas, store_b, role):
    client.force_login(personas[role])
    response = client.get(reverse("store_detail", args=[store_b.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["cs_supervisor", "manager", "admin"])
def test_history_of_another_stores_record_is_404(client, personas, store_b, role):
    client.force_login(personas[role])
    response = client.get(reverse("object_history", args=["aftersales", "store", store_b.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_store_list_shows_only_own_stores(client, personas, store_a, store_b, role):
    client.force_login(personas[role])
    body = client.get(reverse("store_list")).content.decode()
    assert store_a.name in body
    assert store_b.name not in body


def test_group_wide_user_sees_every_store(client, make_user, store_a, store_b):
    director = make_user("manager", [], all_stores=True)
    client.force_login(director)
    assert client.get(reverse("store_detail", args=[store_b.pk])).status_code == 200
    assert set(for_user(Store.objects.all(), director)) == {store_a, store_b}


def test_user_with_no_store_sees_nothing(make_user, store_a):
    lost = make_user("advisor", [])
    assert not for_user(Store.objects.all(), lost).exists()


def test_inactive_user_sees_nothing(make_user, store_a):
    gone = make_user("manager", [store_a], is_active=False)
    assert not for_user(Store.objects.all(), gone).exists()


def test_scoping_follows_the_models_store_field(make_user, store_a, store_b):
    user = make_user("advisor", [store_a])
    own = Department.objects.create(store=store_a, kind="parts", name="配件部")
    Department.objects.create(store=store_b, kind="parts", name="配件部")
    assert list(Department.objects.visible_to(user)) == [own]


def test_removing_a_user_from_a_store_hides_it_at_once(client, make_user, store_a):
    user = make_user("advisor", [store_a])
    client.force_login(user)
    url = reverse("store_detail", args=[store_a.pk])
    assert client.get(url).status_code == 200
    user.stores.remove(store_a)
    assert client.get(url).status_code == 404
