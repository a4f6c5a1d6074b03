"""Routing a complaint offers the chosen department's people only (htmx reloads them when the
department changes), and the server refuses anyone else with a clear message."""
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftersales.models import Department
from aftersales.tests.factories import DepartmentFactory, make_complaint
from complaints.models import Complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(personas, make_user, store_a):
    workshop = DepartmentFactory(store=store_a, kind=Department.Kind.WORKSHOP, name="维修车间")
    parts = DepartmentFactory(store=store_a, kind=Department.Kind.PARTS, name="配件部")
    head = make_user("dept_head", [store_a], username="workshop_head", full_name="车间主任", department=workshop)
    workshop.head = head
    workshop.save()
    technician = make_user("advisor", [store_a], username="tech", full_name="车间技师", department=workshop)
    parts_head = make_user("dept_head", [store_a], username="parts_head", full_name="配件经理", department=parts)
    complaint = make_complaint(store=store_a, by=personas["cs_supervisor"], status="new")
    return {"workshop": workshop, "parts": parts, "head": head, "technician": technician,
            "parts_head": parts_head, "complaint": complaint, "supervisor": personas["cs_supervisor"]}


def handler_options(html):
    select = html[html.index('name="handler"'):]
    select = select[:select.index("</select>")]
    return re.findall(r'<option value="(\d+)"', select)


def test_before_a_department_is_chosen_no_handler_of_any_department_is_offered(client, setting):
    client.force_login(setting["supervisor"])
    body = client.get(reverse("complaints:detail", args=[setting["complaint"].pk])).content.decode()
    assert handler_options(body) == []
    assert 'hx-get="%s"' % reverse("complaints:handler_choices", args=[setting["complaint"].pk]) in body


def test_changing_the_department_offers_its_people_only(client, setting):
    client.force_login(setting["supervisor"])
    url = reverse("complaints:handler_choices", args=[setting["complaint"].pk])
    response = client.get(url, {"department": setting["workshop"].pk}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    offered = re.findall(r'<option value="(\d+)"', response.content.decode())
    assert sorted(offered) == sorted([str(setting["head"].pk), str(setting["technician"].pk)])
    parts = client.get(url, {"department": setting["parts"].pk}).content.decode()
    assert re.findall(r'<option value="(\d+)"', parts) == [str(setting["parts_head"].pk)]


def test_handler_choices_of_another_stores_department_offer_nobody(client, setting, store_b, make_user):
    elsewhere = DepartmentFactory(store=store_b, kind=Department.Kind.WORKSHOP)
    make_user("dept_head", [store_b], username="b_head", department=elsewhere)
    client.force_login(setting["supervisor"])
    url = reverse("complaints:handler_choices", args=[setting["complaint"].pk])
    assert re.findall(r'<option value="(\d+)"', client.get(url, {"department": elsewhere.pk}).content.decode()) == []


def test_handler_choices_need_the_right_to_route(client, setting, personas):
    client.force_login(personas["cs_agent"])
    url = reverse("complaints:handler_choices", args=[setting["complaint"].pk])
    assert client.get(url, {"department": setting["workshop"].pk}).status_code == 403


def test_a_refused_routing_shows_the_chosen_departments_people_again(client, setting):
    client.force_login(setting["supervisor"])
    response = client.post(reverse("complaints:assign", args=[setting["complaint"].pk]),
                           {"department": setting["workshop"].pk, "handler": setting["parts_head"].pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert "配件经理" in body and "维修车间" in body  # the message names who and where
    assert str(setting["parts_head"].pk) not in handler_options(body)
    assert Complaint.objects.get(pk=setting["complaint"].pk).status == "new"


def test_the_model_refuses_a_handler_of_another_department(setting):
    complaint = setting["complaint"]
    with pytest.raises(ValidationError) as refused:
        complaint.assign(by=setting["supervisor"], department=setting["workshop"], handler=setting["parts_head"])
    assert "配件经理" in " ".join(refused.value.messages)
    complaint.refresh_from_db()
    assert complaint.status == "new" and complaint.handler is None
