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
