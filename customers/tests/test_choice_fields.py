"""Every choice field of the customer forms that limits its queryset accepts what it offers and
what it must accept beyond the bounded list it shows, and refuses another store's records."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.forms import CustomerForm, DocumentForm, MergeForm, ServiceVisitForm
from customers.imports.forms import UploadForm
from customers.models import Customer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSV = "工单号,进厂日期,维修类型,VIN,客户姓名\n".encode()


def _pdf():
    return {"file": SimpleUploadedFile("委托书.pdf", PDF)}


@pytest.fixture
def customer(store_a):
    return CustomerFactory(store=store_a)


def _visits(customer, count):
    vehicle = VehicleFactory(owner=customer)
    now = timezone.now()
    return [
        ServiceVisitFactory(vehicle=vehicle, opened_at=now - timedelta(days=10 * (i + 1)))
        for i in range(count)
    ]


def test_document_links_its_latest_repair_order(customer):
    latest = _visits(customer, 1)[0]
    form = DocumentForm({"kind": "work_order", "visit": latest.pk}, _pdf(), customer=customer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["visit"] == latest


def test_document_links_a_repair_order_older_than_the_offered_list(customer):
    visits = _visits(customer, 55)
    oldest = visits[-1]
    form = DocumentForm({"kind": "work_order", "visit": oldest.pk}, _pdf(), customer=customer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["visit"] == oldest
    # The select stays bounded.
    offered = [value for value, _label in form.fields["visit"].choices if value]
    assert len(offered) == 50
    assert oldest.pk not in [int(str(value)) for value in offered]


def test_document_refuses_another_customers_repair_order(customer, store_a):
    other = _visits(CustomerFactory(store=store_a), 1)[0]
    form = DocumentForm({"kind": "work_order", "visit": other.pk}, _pdf(), customer=customer)
    assert not form.is_valid()
    assert "visit" in form.errors


def test_customer_form_offers_and_accepts_the_users_store_only(make_user, store_a, store_b):
    user = make_user("advisor", [store_a])
    data = {"name": "张三", "mobile": "13800138000", "source": "walk_in", "preferred_language": "zh-hans",
            "gender": ""}
    assert CustomerForm({**data, "store": store_a.pk}, user=user).is_valid()
    refused = CustomerForm({**data, "store": store_b.pk}, user=user)
    assert not refused.is_valid() and "store" in refused.errors


def test_upload_form_accepts_the_users_store_only(make_user, store_a, store_b):
    user = make_user("advisor", [store_a])

    def form(store):
        return UploadForm({"store": store.pk}, {"file": SimpleUploadedFile("dms.csv", CSV)}, user=user)

    accepted = form(store_a)
    assert accepted.is_valid(), accepted.errors
    refused = form(store_b)
    assert not refused.is_valid() and "store" in refused.errors


def test_repair_order_form_accepts_an_advisor_of_the_store_only(make_user, customer, store_a, store_b):
    vehicle = VehicleFactory(owner=customer, mileage=None)
    advisor = make_user("advisor", [store_a])
    elsewhere = make_user("advisor", [store_b])
    data = {"order_no": "RO1", "repair_type": "maintenance", "status": "open",
            "opened_at": "2026-10-05T10:30", "amount": "0"}
    accepted = ServiceVisitForm({**data, "advisor": advisor.pk}, vehicle=vehicle)
    assert accepted.is_valid(), accepted.errors
    refused = ServiceVisitForm({**data, "advisor": elsewhere.pk}, vehicle=vehicle)
    assert not refused.is_valid() and "advisor" in refused.errors


def test_merge_form_accepts_a_candidate_only(customer, store_a):
    candidate = CustomerFactory(store=store_a)
    stranger = CustomerFactory(store=store_a)
    candidates = Customer.objects.filter(pk=candidate.pk)
    accepted = MergeForm({"duplicate": candidate.pk}, candidates=candidates)
    assert accepted.is_valid(), accepted.errors
    refused = MergeForm({"duplicate": stranger.pk}, candidates=candidates)
    assert not refused.is_valid() and "duplicate" in refused.errors
