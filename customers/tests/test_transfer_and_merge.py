"""Vehicles change hands with their history kept; duplicates merge with nothing lost."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftersales.history import events_for
from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.models import Customer, CustomerConsent, CustomerMerge, ServiceDocument, VehicleOwnership
from customers.services import add_vehicle, merge_customers, record_consent, transfer_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def vehicle(store_a):
    owner = CustomerFactory(store=store_a, name="赵一")
    vehicle = VehicleFactory.build(owner=owner, store=store_a)
    return add_vehicle(vehicle, since=date(2022, 5, 1))


def test_transfer_keeps_the_ownership_history(vehicle, store_a):
    buyer = CustomerFactory(store=store_a, name="钱二")
    transfer_vehicle(vehicle=vehicle, new_owner=buyer, on=date(2026, 3, 1))
    vehicle.refresh_from_db()
    assert vehicle.owner == buyer
    history = list(VehicleOwnership.objects.filter(vehicle=vehicle).order_by("started_on"))
    assert [(o.customer.name, o.started_on, o.ended_on) for o in history] == [
        ("赵一", date(2022, 5, 1), date(2026, 3, 1)),
        ("钱二", date(2026, 3, 1), None),
    ]


def test_transfer_before_the_current_ownership_is_refused(vehicle, store_a):
    with pytest.raises(ValidationError):
        transfer_vehicle(vehicle=vehicle, new_owner=CustomerFactory(store=store_a), on=date(2020, 1, 1))
    assert VehicleOwnership.objects.filter(vehicle=vehicle).count() == 1


def test_transfer_page_creates_the_new_owner_by_mobile(client, personas, vehicle):
    client.force_login(personas["advisor"])
    response = client.post(reverse("customers:vehicle_transfer", args=[vehicle.pk]), {
        "new_owner_name": "孙三", "new_owner_mobile": "13600001234", "transferred_on": "2026-06-01",
    })
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.owner.name == "孙三" and vehicle.owner.mobile == "13600001234"


def test_transfer_to_an_existing_customer_found_by_mobile(client, personas, vehicle, store_a):
    buyer = CustomerFactory(store=store_a, name="孙三", mobile="13600001234")
    client.force_login(personas["advisor"])
    client.post(reverse("customers:vehicle_transfer", args=[vehicle.pk]), {
        "new_owner_name": "孙三", "new_owner_mobile": "136 0000 1234", "transferred_on": "2026-06-01",
    })
    vehicle.refresh_from_db()
    assert vehicle.owner == buyer
    assert Customer.objects.filter(name="孙三").count() == 1


@pytest.fixture
def twins(store_a, personas):
    kept = CustomerFactory(store=store_a, name="周五", mobile="13700000001", address="")
    merged = CustomerFactory(store=store_a, name="周五", mobile="13700000001", address="朝阳区1号",
                             notes="老客户")
    vehicle = VehicleFactory(owner=merged)
    ServiceVisitFactory(vehicle=vehicle)
    ServiceVisitFactory(vehicle=vehicle)
    ServiceDocument.objects.create(customer=merged, kind="other", file="x.pdf", original_name="x.pdf",
                                   content_type="application/pdf", size=1, uploaded_by=personas["advisor"])
    record_consent(customer=kept, channel="sms", granted=False, method="phone", by=None)
    record_consent(customer=merged, channel="sms", granted=True, method="signed_form", by=None)
    record_consent(customer=merged, channel="marketing", granted=True, method="signed_form", by=None)
    return kept, merged


def test_merge_moves_everything_and_loses_nothing(twins, personas):
    kept, merged = twins
    record = merge_customers(kept=kept, merged=merged, by=personas["cs_supervisor"])
    kept.refresh_from_db()
    merged.refresh_from_db()
    assert merged.merged_into == kept
    assert kept.vehicles.count() == 1 and kept.service_visits.count() == 2
    assert kept.documents.count() == 1
    assert kept.visit_count == 2
    assert kept.address == "朝阳区1号" and "老客户" in kept.notes
    # The newer answer per channel wins.
    consents = {c.channel: c.granted for c in CustomerConsent.objects.filter(customer=kept)}
    assert consents == {"sms": True, "marketing": True}
    assert record.moved["vehicles"] == 1 and record.moved["service_visits"] == 2


def test_merge_is_in_the_history(twins, personas):
    kept, merged = twins
    merge_customers(kept=kept, merged=merged, by=personas["cs_supervisor"])
    events = list(events_for(merged, limit=10))
    assert events[0].pgh_diff["merged_into_id"] == [None, kept.pk]
    assert events[0].pgh_context["merge_into"] == kept.pk
    # The duplicate's own history stays with it.
    assert events[-1].pgh_label == "insert"


def test_merging_twice_or_across_stores_is_refused(twins, personas, store_b):
    kept, merged = twins
    merge_customers(kept=kept, merged=merged, by=personas["cs_supervisor"])
    with pytest.raises(ValidationError):
        merge_customers(kept=kept, merged=merged, by=personas["cs_supervisor"])
    with pytest.raises(ValidationError):
        merge_customers(kept=kept, merged=CustomerFactory(store=store_b), by=personas["cs_supervisor"])
    assert CustomerMerge.objects.count() == 1


def test_merge_page_offers_likely_duplicates_and_merges(client, twins, personas):
    kept, merged = twins
    client.force_login(personas["cs_supervisor"])
    page = client.get(reverse("customers:merge", args=[kept.pk]))
    assert list(page.context["form"].fields["duplicate"].queryset) == [merged]
    response = client.post(reverse("customers:merge", args=[kept.pk]), {"duplicate": merged.pk})
    assert response.status_code == 302
    merged.refresh_from_db()
    assert merged.merged_into == kept


def test_merge_is_refused_to_agents(client, twins, personas):
    kept, merged = twins
    client.force_login(personas["cs_agent"])
    assert client.post(reverse("customers:merge", args=[kept.pk]), {"duplicate": merged.pk}).status_code == 403
