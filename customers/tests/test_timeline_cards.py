"""The customer file's timeline written as cards (customers.timeline, jinja2/customers/timeline.html):
each entry's text in the user's language, times in the store's zone, links by permission."""
import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory, make_complaint
from customers.models import ServiceDocument

pytestmark = pytest.mark.django_db

OPENED = dt.datetime(2026, 11, 30, 17, 5, tzinfo=dt.UTC)  # 2026-12-01 01:05 in Beijing


def _card(body, testid_or_id):
    """The text of one timeline entry, its tags dropped and its spaces squeezed."""
    [entry] = re.findall(rf'<li class="list-group-item small[^"]*"[^>]*{testid_or_id}[^>]*>(.*?)</li>', body, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", entry)).strip(), entry


@pytest.fixture
def customer(store_a):
    return CustomerFactory(store=store_a, name="王五")


def _view(client, user, customer, language):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client.get(reverse("customers:detail", args=[customer.pk])).content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_repair_order_card_reads_in_the_user_s_language(client, personas, customer, language):
    visit = ServiceVisitFactory(
        vehicle=VehicleFactory(owner=customer, plate="京A12345"), order_no="RO-CARD-1", repair_type="warranty",
        opened_at=OPENED, closed_at=OPENED + dt.timedelta(days=1), mileage=45210, advisor_name="李顾问",
        technician_name="赵师傅", amount="1234.50", work_summary="更换刹车片", declined_work="轮胎 <更换>",
    )
    ServiceDocument.objects.create(
        customer=customer, visit=visit, kind="work_order", original_name="工单.pdf", content_type="application/pdf", size=8,
        file=ContentFile(b"%PDF-1.4", name="x.pdf"), uploaded_by=personas["advisor"],
    )
    text, markup = _card(_view(client, personas["cs_supervisor"], customer, language), f'id="visit-{visit.pk}"')
    with translation.override(language):
        words = {w: str(translation.gettext(w)) for w in ("Advisor", "Technician", "Declined", "Edit", "History")}
        repair, closed = str(visit.get_repair_type_display()), str(visit.get_status_display())
        kind = str(ServiceDocument(kind="work_order").get_kind_display())
    assert text == (
        f"{repair} · RO-CARD-1 · 京A12345 2026-12-01 → 2026-12-02 · {closed} "
        f"45210 km · {words['Advisor']}: 李顾问 · {words['Technician']}: 赵师傅 · ¥1234.50 "
        f"更换刹车片 {words['Declined']}: 轮胎 &lt;更换&gt; 📎 {kind}: 工单.pdf {words['Edit']} {words['History']}"
    )
    document = ServiceDocument.objects.get(visit=visit)
    assert f'href="{reverse("customers:document_download", args=[document.pk])}"' in markup


def test_a_card_offers_what_the_viewer_may_do(client, personas, customer):
    visit = ServiceVisitFactory(vehicle=VehicleFactory(owner=customer), status="closed")
    edit = f'href="{reverse("customers:visit_edit", args=[visit.pk])}"'
    survey = f'href="{reverse("visits:on_site_survey", args=[visit.pk])}"'
    history = f'href="{reverse("object_history", args=["customers", "servicevisit", visit.pk])}"'
    _text, advisor_sees = _card(_view(client, personas["advisor"], customer, "zh-hans"), f'id="visit-{visit.pk}"')
    _text, agent_sees = _card(_view(client, personas["cs_agent"], customer, "zh-hans"), f'id="visit-{visit.pk}"')
    assert edit in advisor_sees and survey in advisor_sees
    assert edit not in agent_sees and survey not in agent_sees
    assert (history in advisor_sees, history in agent_sees) == (
        personas["advisor"].has_perm("aftersales.view_history"), personas["cs_agent"].has_perm("aftersales.view_history"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_complaint_card_reads_in_the_user_s_language(client, personas, customer, language):
    complaint = make_complaint(store=customer.store, by=personas["cs_supervisor"], customer=customer,
                               category="waiting_time", now=OPENED)
    text, markup = _card(_view(client, personas["cs_agent"], customer, language), 'data-testid="timeline-complaint"')
    with translation.override(language):
        expected = (f"{translation.gettext('Complaint')} · {complaint.number} · {complaint.get_category_display()} "
                    f"2026-12-01 · {complaint.get_status_display()}")
    assert text == expected
    assert 'list-group-item-warning' in _view(client, personas["cs_agent"], customer, language)


def test_a_document_of_the_customer_s_own_is_a_card_with_who_uploaded_it(client, personas, customer):
    personas["advisor"].full_name = "周顾问"
    personas["advisor"].save(update_fields=["full_name"])
    document = ServiceDocument.objects.create(
        customer=customer, kind="other", original_name="行驶证.jpg", content_type="image/jpeg", size=3,
        file=ContentFile(b"jpg", name="x.jpg"), uploaded_by=personas["advisor"],
    )
    ServiceDocument.objects.filter(pk=document.pk).update(uploaded_at=OPENED)
    body = _view(client, personas["cs_supervisor"], customer, "zh-hans")
    link = f'<a href="{reverse("customers:document_download", args=[document.pk])}">📎 {document.get_kind_display()}: 行驶证.jpg</a>'
    assert link in body
    assert "· 2026-12-01 01:05 · 周顾问" in body
