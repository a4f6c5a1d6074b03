import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from aftersales import roles
from aftersales.roles import ROLES, Role, sync_roles

pytestmark = pytest.mark.django_db


def test_migrate_creates_a_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


@pytest.mark.parametrize("role", list(ROLES.values()), ids=list(ROLES))
def test_each_group_has_exactly_its_roles_permissions(role):
    group = Group.objects.get(name=role.name)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert granted == set(role.permissions)


def test_sync_roles_is_idempotent_and_repairs_drift():
    group = Group.objects.get(name="advisor")
    group.permissions.clear()
    call_command("sync_roles")
    call_command("sync_roles")
    assert group.permissions.count() == len(ROLES["advisor"].permissions)
    assert Group.objects.filter(name__in=ROLES).count() == len(ROLES)


def test_a_misspelt_permission_is_refused(monkeypatch):
    broken = {**ROLES, "advisor": Role("advisor", "x", ("aftersales.view_stroe",))}
    monkeypatch.setattr(roles, "ROLES", broken)
    with pytest.raises(ImproperlyConfigured, match="view_stroe"):
        sync_roles()


def test_user_role_is_read_from_groups(personas):
    assert personas["cs_agent"].role.name == "cs_agent"
    assert personas["admin"].is_staff


def test_user_without_group_has_no_role(nobody):
    assert nobody.role is None
