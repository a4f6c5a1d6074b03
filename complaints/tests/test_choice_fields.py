"""Every choice field of the complaint forms that limits its queryset: what it must accept
(also beyond the bounded list it shows) and what it must refuse."""
from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.tests.factories import (
    CustomerFactory, DepartmentFactory, ServiceVisitFactory, StoreFactory, VehicleFactory,
)
from complaints.forms import VISIT_CHOICES, AssignForm, RegistrationForm

pytestmark = pytest.mark.django_db


def _registration(customer, visit, **kwargs):
    data = {"description": "刹车异响", "channel": "phone", "category": RegistrationForm.base_fields[
        "category"].choices[0][0], "severity": "general", "visit": visit.pk}
    return RegistrationForm(data, customer=customer, **kwargs)


def test_registration_names_a_repair_order_older_than_the_offered_list(store_a):
    customer = CustomerFactory(store=store_a)
    vehicle = VehicleFactory(owner=customer)
    now = timezone.now()
    visits = [ServiceVisitFactory(vehicle=vehicle, opened_at=now - timedelta(days=5 * (i + 1)))
              for i in range(VISIT_CHOICES + 3)]
    form = _registration(customer, visits[-1])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["visit"] == visits[-1]
    assert len([value for value, _label in form.fields["visit"].choices if value]) == VISIT_CHOICES


def test_registration_refuses_another_customers_repair_order(store_a):
    customer = CustomerFactory(store=store_a)
    other = ServiceVisitFactory(vehicle=VehicleFactory(owner=CustomerFactory(store=store_a)))
    form = _registration(customer, other)
    assert not form.is_valid() and "visit" in form.errors


def test_assignment_accepts_the_stores_department_and_its_people_only(store_a, make_user):
    department = DepartmentFactory(store=store_a)
    elsewhere = DepartmentFactory(store=StoreFactory(code="zz"))
    handler = make_user("advisor", [store_a], department=department)
    accepted = AssignForm({"department": department.pk, "handler": handler.pk}, store=store_a)
    assert accepted.is_valid(), accepted.errors
    refused = AssignForm({"department": elsewhere.pk}, store=store_a)
    assert not refused.is_valid() and "department" in refused.errors
    stranger = make_user("advisor", [elsewhere.store], department=elsewhere)
    refused = AssignForm({"department": department.pk, "handler": stranger.pk}, store=store_a)
    assert not refused.is_valid() and "handler" in refused.errors
