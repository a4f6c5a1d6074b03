"""The admin site keeps to the admin's stores, and a store admin cannot raise anyone's rights."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_store_admin_does_not_see_another_stores_record(client, personas, store_a, store_b):
    client.force_login(personas["admin"])
    changelist = client.get(reverse("admin:aftersales_store_changelist")).content.decode()
    assert store_a.name in changelist and store_b.name not in changelist
    response = client.get(reverse("admin:aftersales_store_change", args=[store_b.pk]))
    assert response.status_code == 302  # the admin's "no such object" redirect


def test_store_admin_does_not_see_another_stores_staff(client, personas, make_user, store_b):
    outsider = make_user("advisor", [store_b], username="outsider")
    client.force_login(personas["admin"])
    body = client.get(reverse("admin:aftersales_user_changelist")).content.decode()
    assert "advisor_a" in body and "outsider" not in body
    assert client.get(reverse("admin:aftersales_user_change", args=[outsider.pk])).status_code == 302


def test_store_admin_cannot_make_anyone_superuser_or_group_wide(client, personas, store_a):
    admin_user = personas["admin"]
    client.force_login(admin_user)
    target = personas["advisor"]
    response = client.post(
        reverse("admin:aftersales_user_change", args=[target.pk]),
        {
            "username": target.username, "full_name": target.full_name, "mobile": "", "email": "",
            "stores": [store_a.pk], "all_stores": "on", "is_superuser": "on", "is_active": "on",
            "groups": [g.pk for g in target.groups.all()],
            "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    target.refresh_from_db()
    assert not target.is_superuser and not target.all_stores


def test_store_admin_cannot_open_a_store(client, personas):
    client.force_login(personas["admin"])
    assert client.get(reverse("admin:aftersales_store_add")).status_code == 403
