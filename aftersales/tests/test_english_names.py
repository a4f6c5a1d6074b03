"""English pages show the English names of departments and repair types; Chinese pages the
Chinese ones."""
import pytest
from django.urls import reverse
from django.utils import translation

from aftersales.models import Department
from aftersales.tests.factories import DepartmentFactory, ServiceVisitFactory, make_complaint

pytestmark = pytest.mark.django_db


def in_language(client, language):
    client.cookies["django_language"] = language


def test_a_new_department_gets_its_kinds_english_name():
    department = DepartmentFactory(kind=Department.Kind.WORKSHOP, name="机修车间")
    assert department.name_en == "Workshop"


def test_a_department_is_named_in_the_active_language():
    department = DepartmentFactory(kind=Department.Kind.FINANCE, name="财务部", name_en="Finance office")
    with translation.override("en"):
        assert str(department) == "Finance office"
    with translation.override("zh-hans"):
        assert str(department) == "财务部"


def test_the_complaint_list_in_english_shows_the_departments_english_name(client, personas, store_a):
    workshop = DepartmentFactory(store=store_a, kind=Department.Kind.WORKSHOP, name="机修车间", name_en="Service workshop")
    make_complaint(store=store_a, by=personas["cs_supervisor"], status="assigned", department=workshop)
    client.force_login(personas["cs_supervisor"])
    in_language(client, "en")
    body = client.get(reverse("complaints:list")).content.decode()
    assert "Service workshop" in body and "机修车间" not in body
    in_language(client, "zh-hans")
    body = client.get(reverse("complaints:list")).content.decode()
    assert "机修车间" in body and "Service workshop" not in body


def test_the_store_page_in_english_lists_departments_in_english(client, personas, store_a):
    DepartmentFactory(store=store_a, kind=Department.Kind.PARTS, name="配件部")
    client.force_login(personas["admin"])
    in_language(client, "en")
    body = client.get(reverse("store_detail", args=[store_a.pk])).content.decode()
    assert "Parts" in body and "配件部" not in body


def test_repair_types_are_named_in_english_on_english_pages(client, personas, store_a):
    visit = ServiceVisitFactory(vehicle__owner__store=store_a, repair_type="major_overhaul")
    client.force_login(personas["advisor"])
    in_language(client, "en")
    body = client.get(reverse("customers:detail", args=[visit.customer_id])).content.decode()
    assert "Major overhaul" in body and "大修" not in body
