"""Registering a complaint from the customer's file, the call screen and a repair order; bad input
saves nothing; the automatic escalation is told; the entry links are where the customer is."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import CustomerFactory, FollowUpFactory, ServiceVisitFactory, make_complaint
from complaints.models import Complaint, ComplaintAttachment, ComplaintSequence

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def agent(personas):
    return personas["cs_agent"]


@pytest.fixture
def customer(store_a):
    return CustomerFactory(store=store_a, name="王小明")


def register_url(**params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('complaints:register')}?{query}"


def form_data(**fields):
    return {"description": "保养后仪表盘报警灯亮", "channel": "phone", "category": "repair_quality",
            "severity": "general", "visit": "", "staff_concerned": "", **fields}


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_registering_from_the_customers_file(client, agent, customer):
    client.force_login(agent)
    url = register_url(customer=customer.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert "王小明" in page.content.decode() and "autofocus" in page.content.decode()
    response = client.post(url, form_data(staff_concerned="李师傅"), follow=True)
    complaint = Complaint.objects.get()
    assert response.redirect_chain[-1][0] == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.customer, complaint.store, complaint.created_by) == (customer, customer.store, agent)
    assert (complaint.channel, complaint.category, complaint.severity, complaint.status) == (
        "phone", "repair_quality", "general", "new")
    assert (complaint.description, complaint.staff_concerned) == ("保养后仪表盘报警灯亮", "李师傅")
    assert any(complaint.number in message for message in messages_of(response))
    assert complaint.transitions.get().to_status == "new"


def test_registering_from_the_call_screen_prefills_the_customer_repair_order_and_channel(client, agent, store_a):
    followup = FollowUpFactory(store=store_a)
    client.force_login(agent)
    url = register_url(followup=followup.pk)
    form = client.get(url).context["form"]
    assert (form["channel"].value(), form["visit"].value()) == ("return_visit", followup.visit_id)
    client.post(url, form_data(channel="return_visit", visit=followup.visit_id))
    complaint = Complaint.objects.get()
    assert (complaint.customer, complaint.visit, complaint.channel) == (followup.customer, followup.visit,
                                                                       "return_visit")


def test_registering_from_a_repair_order_prefills_it(client, agent, customer):
    visit = ServiceVisitFactory(vehicle__owner=customer, order_no="RO-42")
    client.force_login(agent)
    url = register_url(visit=visit.pk)
    assert client.get(url).context["form"]["visit"].value() == visit.pk
    client.post(url, form_data(visit=visit.pk))
    assert Complaint.objects.get().visit == visit


def test_attachments_are_saved_with_the_complaint(client, agent, customer):
    client.force_login(agent)
    client.post(register_url(customer=customer.pk), form_data(
        attachments=[SimpleUploadedFile("照片.png", PNG), SimpleUploadedFile("工单.pdf", PDF)]))
    complaint = Complaint.objects.get()
    assert sorted(complaint.attachments.values_list("original_name", "content_type")) == [
        ("工单.pdf", "application/pdf"), ("照片.png", "image/png")]


def nothing_saved():
    return not Complaint.objects.exists() and not ComplaintAttachment.objects.exists() and not (
        ComplaintSequence.objects.filter(last__gt=0).exists())


def test_a_missing_description_saves_nothing(client, agent, customer):
    client.force_login(agent)
    response = client.post(register_url(customer=customer.pk), form_data(description="  "))
    assert response.status_code == 400
    assert response.context["form"].errors["description"]
    assert 'data-testid="form-errors"' in response.content.decode()
    assert nothing_saved()


def test_another_customers_repair_order_is_refused(client, agent, customer, store_a):
    strangers = ServiceVisitFactory(vehicle__owner=CustomerFactory(store=store_a))
    client.force_login(agent)
    response = client.post(register_url(customer=customer.pk), form_data(visit=strangers.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["visit"]
    assert nothing_saved()


def test_a_disallowed_file_type_saves_nothing(client, agent, customer):
    client.force_login(agent)
    response = client.post(register_url(customer=customer.pk), form_data(
        attachments=[SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile("run.exe", b"MZ\x90\x00")]))
    assert response.status_code == 400
    assert "只能上传" in response.content.decode()
    assert nothing_saved()


def test_a_file_pretending_to_be_a_pdf_saves_nothing(client, agent, customer):
    client.force_login(agent)
    response = client.post(register_url(customer=customer.pk), form_data(
        attachments=[SimpleUploadedFile("fake.pdf", b"<html></html>")]))
    assert response.status_code == 400
    assert nothing_saved()


def test_an_unknown_channel_or_category_saves_nothing(client, agent, customer):
    client.force_login(agent)
    response = client.post(register_url(customer=customer.pk), form_data(channel="fax", category=""))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"channel", "category"}
    assert nothing_saved()


def test_the_third_complaint_in_a_year_is_escalated_and_the_user_told(client, agent, customer, store_a, personas):
    for days in (200, 30):
        make_complaint(store=store_a, by=agent, customer=customer,
                       now=timezone.now() - dt.timedelta(days=days))
    client.force_login(agent)
    response = client.post(register_url(customer=customer.pk), form_data(), follow=True)
    complaint = Complaint.objects.latest("id")
    assert complaint.severity == "escalated"
    warnings = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and "12" in str(warnings[0])


def test_no_escalation_message_for_a_first_complaint(client, agent, customer):
    client.force_login(agent)
    response = client.post(register_url(customer=customer.pk), form_data(), follow=True)
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]


def test_the_customers_earlier_complaints_are_shown_while_registering(client, agent, customer, store_a):
    earlier = make_complaint(store=store_a, by=agent, customer=customer)
    client.force_login(agent)
    assert earlier.number in client.get(register_url(customer=customer.pk)).content.decode()


@pytest.mark.parametrize("entry", ["customer", "followup", "visit"])
def test_another_stores_customer_is_not_found(client, agent, store_b, entry):
    followup = FollowUpFactory(store=store_b)
    pk = {"customer": followup.customer_id, "followup": followup.pk, "visit": followup.visit_id}[entry]
    client.force_login(agent)
    assert client.get(register_url(**{entry: pk})).status_code == 404
    assert client.post(register_url(**{entry: pk}), form_data()).status_code == 404
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("role", ["advisor", "dept_head", "manager"])
def test_roles_that_do_not_register_complaints_are_refused(client, personas, customer, role):
    client.force_login(personas[role])
    assert client.post(register_url(customer=customer.pk), form_data()).status_code == 403
    assert not Complaint.objects.exists()


def test_without_a_customer_the_page_sends_the_user_to_find_one(client, agent):
    client.force_login(agent)
    response = client.get(reverse("complaints:register"))
    assert response.status_code == 302 and response["Location"] == reverse("customers:search")


def test_a_malformed_entry_point_is_not_found(client, agent):
    client.force_login(agent)
    assert client.get(register_url(customer="abc")).status_code == 404


# --- Entry links ----------------------------------------------------------------------------------
def test_the_call_screen_links_to_registration(client, agent, store_a):
    followup = FollowUpFactory(store=store_a)
    client.force_login(agent)
    body = client.get(reverse("visits:call", args=[followup.pk])).content.decode()
    assert f'{reverse("complaints:register")}?followup={followup.pk}' in body


def test_the_repair_order_list_links_to_registration_for_those_who_may(client, personas, customer):
    visit = ServiceVisitFactory(vehicle__owner=customer)
    link = f'{reverse("complaints:register")}?visit={visit.pk}'
    client.force_login(personas["cs_supervisor"])
    assert link in client.get(reverse("customers:visit_list")).content.decode()
    client.force_login(personas["advisor"])
    assert link not in client.get(reverse("customers:visit_list")).content.decode()


# --- In a real browser ----------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_agent_registers_a_complaint_from_the_call_screen_in_the_browser(page, personas, store_a, tmp_path):
    from playwright.sync_api import expect

    from customers.tests.test_browser_customers import log_in

    followup = FollowUpFactory(store=store_a)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, "cs_agent_a")
    page.goto(reverse("visits:call", args=[followup.pk]))
    page.click("[data-testid=register-complaint]")
    expect(page.locator("#id_description")).to_be_focused()
    expect(page.locator("#id_channel")).to_have_value("return_visit")
    page.fill("#id_description", "回访时客户说等了三个小时")
    page.check("input[name=category][value=waiting_time]")
    photo = tmp_path / "排队照片.png"
    photo.write_bytes(PNG)
    page.set_input_files("#id_attachments", str(photo))
    page.click("[data-testid=register]")
    page.wait_for_url("**/complaints/*/")
    complaint = Complaint.objects.get()
    expect(page.locator("[data-testid=complaint-number]")).to_have_text(complaint.number)
    expect(page.locator("[data-testid=attachments]")).to_contain_text("排队照片.png")
    expect(page.locator("[data-testid=description]")).to_have_text("回访时客户说等了三个小时")
    assert (complaint.visit_id, complaint.category) == (followup.visit_id, "waiting_time")
    assert errors == []
