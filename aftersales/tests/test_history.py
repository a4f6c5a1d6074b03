"""Change history by database triggers: bulk writes are recorded, and a request's user too."""
import pytest
from django.urls import reverse

from aftersales.history import events_for
from aftersales.models import Store

pytestmark = pytest.mark.django_db


def test_bulk_update_is_recorded(store_a):
    Store.objects.filter(pk=store_a.pk).update(phone="010-99999999")
    events = list(events_for(store_a, limit=10))
    assert [e.pgh_label for e in events] == ["update", "insert"]
    assert events[0].pgh_diff["phone"] == ["010-12345678", "010-99999999"]


def test_delete_is_recorded(store_b):
    department = store_b.departments.create(kind="parts", name="配件部")
    pk = department.pk
    department.delete()
    department.pk = pk
    labels = [e.pgh_label for e in events_for(department, limit=10)]
    assert labels == ["delete", "insert"]


def test_change_through_a_page_records_who_made_it(client, personas, store_a):
    admin = personas["admin"]
    client.force_login(admin)
    response = client.post(
        reverse("admin:aftersales_store_change", args=[store_a.pk]),
        {
            "code": store_a.code,
            "name": "甲店（新）",
            "address": store_a.address,
            "phone": store_a.phone,
            "time_zone": "Asia/Shanghai",
            "opens_at": "08:00",
            "closes_at": "18:30",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "08:00",
            "sms_opt_out_wording": "回复TD退订",
            "is_active": "on",
            "departments-TOTAL_FORMS": "0",
            "departments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = events_for(store_a, limit=1)[0]
    assert latest.user == admin
    assert latest.pgh_diff["name"] == ["甲店", "甲店（新）"]


def test_history_page_lists_changes_newest_first(client, personas, store_a):
    Store.objects.filter(pk=store_a.pk).update(name="甲店二")
    client.force_login(personas["cs_supervisor"])
    response = client.get(reverse("object_history", args=["aftersales", "store", store_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    events = list(response.context["events"])
    assert [event.pgh_label for event, _changes in events] == ["update", "insert"]
    assert body.index("甲店二") < body.index("新建")


def test_history_page_runs_a_fixed_number_of_queries(
    client, personas, store_a, django_assert_max_num_queries
):
    client.force_login(personas["manager"])
    url = reverse("object_history", args=["aftersales", "store", store_a.pk])
    for n in range(30):
        Store.objects.filter(pk=store_a.pk).update(phone=f"010-{n:08d}")
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


def test_history_page_names_fields_in_the_users_language(client, personas, store_a):
    Store.objects.filter(pk=store_a.pk).update(phone="010-88888888")
    client.force_login(personas["manager"])
    body = client.get(
        reverse("object_history", args=["aftersales", "store", store_a.pk])
    ).content.decode()
    assert "服务热线" in body and "010-12345678 → 010-88888888" in body
