"""A user's permissions and role come from the cache, and every change of membership or of a
group's permissions is seen on the very next request."""
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.access import VERSION_KEY, access_of

pytestmark = pytest.mark.django_db


def _queries_naming(captured, table):
    return [q["sql"] for q in captured.captured_queries if table in q["sql"]]


def test_pages_after_login_read_permissions_and_groups_from_the_cache(client, personas):
    client.force_login(personas["manager"])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("store_list")).status_code == 200
    assert _queries_naming(captured, '"auth_permission"') == []
    assert _queries_naming(captured, '"auth_group"') == []
    # The session comes from Redis too.
    assert _queries_naming(captured, '"django_session"') == []


def test_user_taken_out_of_their_role_loses_the_page_on_the_next_request(client, personas):
    manager = personas["manager"]
    client.force_login(manager)
    assert client.get(reverse("store_list")).status_code == 200
    manager.groups.clear()
    assert client.get(reverse("store_list")).status_code == 403


def test_permission_taken_from_a_group_is_refused_to_its_members_at_once(client, personas):
    client.force_login(personas["manager"])
    assert client.get(reverse("store_list")).status_code == 200
    group = Group.objects.get(name="manager")
    group.permissions.remove(Permission.objects.get(codename="view_store", content_type__app_label="aftersales"))
    assert client.get(reverse("store_list")).status_code == 403


def test_user_given_a_role_gets_its_pages_at_once(client, nobody):
    client.force_login(nobody)
    assert client.get(reverse("store_list")).status_code == 403
    nobody.groups.add(Group.objects.get(name="manager"))
    assert client.get(reverse("store_list")).status_code == 200


def test_role_follows_a_group_given_by_the_group_side(personas, make_user):
    user = make_user(None, [])
    Group.objects.get(name="cs_agent").user_set.add(user)
    fresh = type(user).objects.get(pk=user.pk)
    assert fresh.role is not None and fresh.role.name == "cs_agent"


def test_lost_version_key_starts_a_new_version_not_an_old_one(personas):
    user = type(personas["manager"]).objects.get(pk=personas["manager"].pk)
    before = access_of(user)
    cache.delete(VERSION_KEY)
    # Evicted entries of the old version must never be read as current: a fresh version is taken.
    fresh = type(user).objects.get(pk=user.pk)
    user.groups.clear()
    cache.delete(VERSION_KEY)
    fresh = type(user).objects.get(pk=user.pk)
    assert before["groups"] == {"manager"}
    assert access_of(fresh)["groups"] == frozenset()


def test_inactive_user_has_no_permissions_whatever_is_cached(personas):
    manager = personas["manager"]
    assert manager.has_perm("aftersales.view_store")
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    fresh = type(manager).objects.get(pk=manager.pk)
    assert not fresh.has_perm("aftersales.view_store")


def test_superuser_has_every_permission(make_user):
    admin = make_user(None, [], is_superuser=True)
    fresh = type(admin).objects.get(pk=admin.pk)
    assert fresh.has_perm("complaints.triage_complaint")


def _fresh(user):
    """The user as the next request loads it (nothing read on the object kept)."""
    return type(user).objects.get(pk=user.pk)


def _seen(user):
    from aftersales.scoping import visible_stores

    return [(store.pk, store.code, store.name) for store in visible_stores(_fresh(user))]


def _by_scoping(user):
    from aftersales.models import Store
    from aftersales.scoping import for_user

    return [(store.pk, store.code, store.name) for store in for_user(Store.objects.order_by("code"), user)]


@pytest.mark.parametrize("who", ["member of both", "member of one", "every store", "superuser", "no store"])
def test_the_cached_stores_are_the_ones_scoping_gives(make_user, store_a, store_b, who):
    from aftersales.tests.factories import StoreFactory

    StoreFactory(code="c", name="丙店")
    user = {
        "member of both": lambda: make_user("cs_supervisor", [store_a, store_b]),
        "member of one": lambda: make_user("cs_supervisor", [store_b]),
        "every store": lambda: make_user("manager", [], all_stores=True),
        "superuser": lambda: make_user(None, [], is_superuser=True),
        "no store": lambda: make_user("cs_agent", []),
    }[who]()
    assert _seen(user) == _by_scoping(user)


def test_the_stores_come_from_the_cache_once_read(make_user, store_a, store_b, django_assert_num_queries):
    from aftersales.scoping import visible_stores

    user = make_user("cs_supervisor", [store_a, store_b])
    _seen(user)
    fresh = _fresh(user)
    with django_assert_num_queries(0):
        stores = visible_stores(fresh)
    assert [(s.code, s.name, s.time_zone) for s in stores] == [("a", "甲店", store_a.time_zone),
                                                                 ("b", "乙店", store_b.time_zone)]


def test_a_store_given_or_taken_is_seen_at_once(make_user, store_a, store_b):
    user = make_user("cs_supervisor", [store_a])
    assert [code for _pk, code, _name in _seen(user)] == ["a"]
    user.stores.add(store_b)
    assert [code for _pk, code, _name in _seen(user)] == ["a", "b"]
    store_a.staff.remove(user)
    assert [code for _pk, code, _name in _seen(user)] == ["b"]


def test_a_renamed_or_closed_store_is_seen_at_once(make_user, store_a, store_b):
    from aftersales.scoping import visible_stores

    user = make_user("cs_supervisor", [store_a, store_b])
    _seen(user)
    store_a.name = "甲店（新）"
    store_a.save()
    assert [name for _pk, _code, name in _seen(user)] == ["甲店（新）", "乙店"]
    store_b.is_active = False
    store_b.save()
    assert [s.code for s in visible_stores(_fresh(user), active_only=True)] == ["a"]


def test_a_user_made_group_wide_sees_every_store_at_once(make_user, store_a, store_b):
    user = make_user("manager", [store_a])
    assert len(_seen(user)) == 1
    type(user).objects.filter(pk=user.pk).update(all_stores=True)
    assert len(_seen(user)) == 2


def test_an_inactive_user_sees_no_store_whatever_is_cached(make_user, store_a):
    user = make_user("cs_supervisor", [store_a])
    _seen(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert _seen(user) == []
