"""The call script on the call screen speaks to this customer about this car and repair order;
a script with a placeholder nobody fills is refused when it is saved."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, UserFactory, VehicleFactory
from visits.models import FollowUpRule
from visits.services import create_followups

pytestmark = pytest.mark.django_db


def call_for(store, *, gender="male", name="张伟"):
    today = timezone.localdate()
    closed = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=3), dt.time(15)))
    customer = CustomerFactory(store=store, name=name, gender=gender)
    vehicle = VehicleFactory(owner=customer, plate="京A12345", brand="大众", model="迈腾")
    advisor = UserFactory(username="advisor_li", full_name="李顾问", stores=[store])
    visit = ServiceVisitFactory(
        vehicle=vehicle, repair_type="maintenance", order_no="WO-778899", advisor=advisor,
        opened_at=closed - dt.timedelta(hours=4), closed_at=closed,
    )
    create_followups(day=today)
    return visit.followups.get()


def script_on_screen(client, followup):
    body = client.get(reverse("visits:call", args=[followup.pk])).content.decode()
    start = body.index('data-testid="call-script"')
    return body[start:body.index("</div>", start)]


def test_default_script_greets_the_customer_by_name_and_title_and_names_the_store(client, personas, store_a):
    followup = call_for(store_a, gender="male")
    client.force_login(personas["cs_agent"])
    script = script_on_screen(client, followup)
    assert "请问是张伟先生吗" in script
    assert store_a.name in script
    assert "{" not in script and "先生/女士" not in script


def test_a_woman_is_called_madam_and_an_unknown_gender_both(client, personas, store_a):
    client.force_login(personas["cs_agent"])
    assert "请问是王芳女士吗" in script_on_screen(client, call_for(store_a, gender="female", name="王芳"))


def test_unknown_gender_keeps_both_titles(client, personas, store_a):
    client.force_login(personas["cs_agent"])
    assert "请问是赵敏先生/女士吗" in script_on_screen(client, call_for(store_a, gender="", name="赵敏"))


def test_every_placeholder_of_the_car_and_repair_order_is_filled(client, personas, store_a):
    followup = call_for(store_a)
    FollowUpRule.objects.filter(pk=followup.rule_id).update(call_script=(
        "{客户}{称呼}·{门店}·{车辆}·{车牌}·{工单号}·{维修类型}·{服务顾问}·{进店日期}·{交车日期}·{回访日期}"
    ))
    client.force_login(personas["cs_agent"])
    script = script_on_screen(client, followup)
    visit = followup.visit
    opened = timezone.localtime(visit.opened_at).date().isoformat()
    closed = timezone.localtime(visit.closed_at).date().isoformat()
    expected = (f"张伟先生·{store_a.name}·大众 迈腾 京A12345·京A12345·WO-778899·保养·李顾问·"
                f"{opened}·{closed}·{followup.due_on.isoformat()}")
    assert expected in script


def test_admin_refuses_a_script_with_an_unknown_placeholder(client, personas, store_a):
    rule = FollowUpRule.objects.create(store=store_a, trigger="new_car", offsets_days=[3], call_script="")
    client.force_login(personas["admin"])
    response = client.post(reverse("admin:visits_followuprule_change", args=[rule.pk]), {
        "store": store_a.pk, "trigger": "new_car", "repair_type": "", "offsets_days": "3",
        "window_days": "7", "priority": "0", "is_active": "on",
        "call_script": "您好{顾客}，我是{门店}的客服专员",
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert "{顾客}" in body and "{门店}" in body.split("errorlist", 1)[1]  # names the known ones too
    rule.refresh_from_db()
    assert rule.call_script == ""


def test_admin_saves_a_script_with_known_placeholders(client, personas, store_a):
    rule = FollowUpRule.objects.create(store=store_a, trigger="new_car", offsets_days=[3], call_script="")
    client.force_login(personas["admin"])
    response = client.post(reverse("admin:visits_followuprule_change", args=[rule.pk]), {
        "store": store_a.pk, "trigger": "new_car", "repair_type": "", "offsets_days": "3",
        "window_days": "7", "priority": "0", "is_active": "on",
        "call_script": "您好{客户}{称呼}，我是{门店}的客服专员",
    })
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.call_script == "您好{客户}{称呼}，我是{门店}的客服专员"
