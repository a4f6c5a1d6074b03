"""The complaint page: what it shows, to whom, in which store's time, which forms it offers,
its scoping, its fixed number of queries and the attachments."""
import datetime as dt
import zoneinfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.models import Department
from aftersales.tests.factories import ANSWER, CustomerFactory, DepartmentFactory, ServiceVisitFactory, make_complaint
from complaints.models import ComplaintAttachment, ComplaintEscalation

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def workshop(store_a):
    return DepartmentFactory(store=store_a, kind=Department.Kind.WORKSHOP, name="维修车间")


@pytest.fixture
def head(make_user, store_a, workshop):
    return make_user("dept_head", [store_a], username="workshop_head", department=workshop)


@pytest.fixture
def other_head(make_user, store_a):
    parts = DepartmentFactory(store=store_a, kind=Department.Kind.PARTS, name="配件部")
    return make_user("dept_head", [store_a], username="parts_head", department=parts)


@pytest.fixture
def supervisor(personas):
    return personas["cs_supervisor"]


def page(client, user, complaint):
    client.force_login(user)
    return client.get(reverse("complaints:detail", args=[complaint.pk]))


def attach(complaint, name="照片.pdf", by=None):
    attachment = ComplaintAttachment(complaint=complaint, original_name=name, content_type="application/pdf",
                                     size=len(PDF), uploaded_by=by)
    attachment.file.save(name, ContentFile(PDF), save=False)
    attachment.save()
    return attachment


def test_page_shows_the_complaint_its_customer_repair_order_and_timeline(client, store_a, supervisor, workshop):
    customer = CustomerFactory(store=store_a, name="王小明", mobile="13812345678")
    visit = ServiceVisitFactory(vehicle__owner=customer, order_no="RO-777", technician_name="李师傅")
    complaint = make_complaint(store=store_a, by=supervisor, status="assigned", customer=customer,
                               department=workshop, visit=visit, staff_concerned="李师傅",
                               description="换完刹车片还有异响")
    response = page(client, supervisor, complaint)
    assert response.status_code == 200
    body = response.content.decode()
    for text in (complaint.number, "王小明", "RO-777", visit.vehicle.plate, "维修车间", "李师傅", "换完刹车片还有异响"):
        assert text in body
    assert reverse("customers:detail", args=[customer.pk]) in body
    assert [(t.from_status, t.to_status) for t in response.context["transitions"]] == [("", "new"), ("new", "assigned")]
    assert body.count('data-testid="transition"') == 2


def test_mobile_is_masked_and_revealable_only_as_on_the_customer_page(client, store_a, supervisor, head, personas):
    customer = CustomerFactory(store=store_a, mobile="13812345678")
    complaint = make_complaint(store=store_a, by=supervisor, customer=customer)
    for user, can_reveal in ((personas["cs_agent"], True), (head, False), (personas["manager"], False)):
        body = page(client, user, complaint).content.decode()
        assert "138****5678" in body and "13812345678" not in body
        assert ('data-testid="reveal-mobile"' in body) is can_reveal


def test_deadline_is_shown_in_the_stores_time_and_red_when_overdue(client, store_a, supervisor):
    store_a.time_zone = "Asia/Urumqi"
    store_a.save()
    registered = timezone.now() - dt.timedelta(days=3)
    complaint = make_complaint(store=store_a, by=supervisor, now=registered)
    response = page(client, supervisor, complaint)
    body = response.content.decode()
    due_local = complaint.due_at.astimezone(zoneinfo.ZoneInfo("Asia/Urumqi"))
    assert due_local.strftime("%Y-%m-%d %H:%M") in body
    assert response.context["overdue"] is True
    assert 'text-danger fw-semibold" data-testid="due-at"' in body


def test_a_step_on_time_is_not_red(client, store_a, supervisor):
    complaint = make_complaint(store=store_a, by=supervisor)
    response = page(client, supervisor, complaint)
    assert response.context["overdue"] is False
    assert 'text-danger fw-semibold" data-testid="due-at"' not in response.content.decode()


def test_escalation_level_is_shown(client, store_a, supervisor):
    complaint = make_complaint(store=store_a, by=supervisor)
    ComplaintEscalation.objects.filter(complaint=complaint).update(level=2)
    assert 'data-testid="escalation"' in page(client, supervisor, complaint).content.decode()


def test_the_customers_other_complaints_are_listed(client, store_a, supervisor):
    customer = CustomerFactory(store=store_a)
    earlier = make_complaint(store=store_a, by=supervisor, customer=customer, status="closed")
    complaint = make_complaint(store=store_a, by=supervisor, customer=customer)
    stranger = make_complaint(store=store_a, by=supervisor)
    response = page(client, supervisor, complaint)
    assert response.context["other_complaints"] == [earlier]
    assert stranger.number not in response.content.decode()


def test_other_complaints_are_bounded(client, store_a, supervisor):
    customer = CustomerFactory(store=store_a)
    for _ in range(12):
        make_complaint(store=store_a, by=supervisor, customer=customer)
    complaint = make_complaint(store=store_a, by=supervisor, customer=customer)
    response = page(client, supervisor, complaint)
    assert len(response.context["other_complaints"]) == 10 and response.context["more_complaints"]


def test_the_answer_and_the_customers_words_are_shown(client, store_a, supervisor, workshop, personas):
    complaint = make_complaint(store=store_a, by=supervisor, status="answered", department=workshop)
    complaint.record_callback(by=personas["cs_agent"], satisfied=False, customer_words="还是有异响")
    complaint.answer(by=supervisor, **ANSWER)
    body = page(client, supervisor, complaint).content.decode()
    for text in ANSWER.values():
        assert text in body
    assert "还是有异响" in body
    assert 'data-testid="rounds">2<' in body


def test_duplicates_link_both_ways(client, store_a, supervisor):
    original = make_complaint(store=store_a, by=supervisor)
    again = make_complaint(store=store_a, by=supervisor)
    again.cancel(by=supervisor, reason="重复", duplicate_of=original)
    assert reverse("complaints:detail", args=[original.pk]) in page(client, supervisor, again).content.decode()
    assert reverse("complaints:detail", args=[again.pk]) in page(client, supervisor, original).content.decode()


def test_another_stores_complaint_is_not_found(client, store_b, supervisor):
    complaint = make_complaint(store=store_b, by=supervisor)
    assert page(client, supervisor, complaint).status_code == 404


def test_roles_without_complaints_may_not_open_it(client, store_a, supervisor, personas):
    complaint = make_complaint(store=store_a, by=supervisor)
    assert page(client, personas["advisor"], complaint).status_code == 403


FORMS = ("assign_form", "cancel_form", "answer_form", "callback_form")


@pytest.mark.parametrize("status,role,expected", [
    ("new", "cs_supervisor", {"assign_form", "cancel_form"}),
    ("new", "cs_agent", set()),
    ("new", "manager", set()),
    ("assigned", "head", {"answer_form"}),
    ("assigned", "other_head", set()),
    ("assigned", "cs_supervisor", {"answer_form"}),
    ("assigned", "cs_agent", set()),
    ("answered", "cs_agent", {"callback_form"}),
    ("answered", "cs_supervisor", {"callback_form"}),
    ("answered", "head", set()),
    ("closed", "cs_supervisor", set()),
    ("cancelled", "cs_supervisor", set()),
])
def test_only_the_forms_the_user_may_use_now_are_offered(client, store_a, supervisor, workshop, personas, head,
                                                         other_head, status, role, expected):
    users = {**personas, "head": head, "other_head": other_head}
    complaint = make_complaint(store=store_a, by=supervisor, status=status, department=workshop)
    context = page(client, users[role], complaint).context
    assert {name for name in FORMS if context.get(name)} == expected


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_closed_and_cancelled_complaints_are_read_only(client, store_a, supervisor, status):
    complaint = make_complaint(store=store_a, by=supervisor, status=status)
    response = page(client, supervisor, complaint)
    body = response.content.decode()
    assert 'data-testid="read-only"' in body and 'data-testid="archived"' in body
    assert "<form" not in body.split("<main", 1)[1]
    assert response.context.get("attachment_form") is None


def test_page_runs_a_fixed_number_of_queries(client, store_a, supervisor, workshop, personas):
    def complaint_with(rounds):
        """Registered and assigned (2 moves), plus two moves a round; as many other complaints,
        duplicates and attachments."""
        customer = CustomerFactory(store=store_a)
        complaint = make_complaint(store=store_a, by=supervisor, status="assigned", customer=customer,
                                   department=workshop, visit=ServiceVisitFactory(vehicle__owner=customer))
        for _ in range(rounds):
            complaint.answer(by=supervisor, **ANSWER)
            complaint.record_callback(by=personas["cs_agent"], satisfied=False, customer_words="不满意")
            make_complaint(store=store_a, by=supervisor, customer=customer).cancel(
                by=supervisor, reason="重复", duplicate_of=complaint)
            attach(complaint, by=supervisor)
        return complaint

    few, many = complaint_with(0), complaint_with(4)
    assert (few.transitions.count(), many.transitions.count()) == (2, 10)
    page(client, supervisor, few)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as small:
        page(client, supervisor, few)
    count = len(small.captured_queries)
    assert count <= 20
    with CaptureQueriesContext(connection) as large:
        response = page(client, supervisor, many)
    assert len(large.captured_queries) == count
    assert len(response.context["transitions"]) == 10


# --- Attachments ---------------------------------------------------------------------------------
def upload(client, user, complaint, *files):
    client.force_login(user)
    return client.post(reverse("complaints:attachment_upload", args=[complaint.pk]), {"files": list(files)})


def test_files_are_attached_and_download(client, store_a, supervisor, personas):
    complaint = make_complaint(store=store_a, by=supervisor)
    response = upload(client, personas["cs_agent"], complaint, SimpleUploadedFile("现场照片.pdf", PDF),
                      SimpleUploadedFile("报告.pdf", PDF))
    assert response.status_code == 302
    attachment = complaint.attachments.get(original_name="现场照片.pdf")
    assert (attachment.size, attachment.content_type, attachment.uploaded_by) == (
        len(PDF), "application/pdf", personas["cs_agent"])
    download = client.get(reverse("complaints:attachment_download", args=[attachment.pk]))
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]


def test_the_responsible_department_attaches_too(client, store_a, supervisor, workshop, head):
    complaint = make_complaint(store=store_a, by=supervisor, status="assigned", department=workshop)
    assert upload(client, head, complaint, SimpleUploadedFile("a.pdf", PDF)).status_code == 302
    assert complaint.attachments.count() == 1


def test_another_department_or_a_manager_may_not_attach(client, store_a, supervisor, workshop, other_head,
                                                        personas):
    complaint = make_complaint(store=store_a, by=supervisor, status="assigned", department=workshop)
    assert upload(client, other_head, complaint, SimpleUploadedFile("a.pdf", PDF)).status_code == 403
    assert upload(client, personas["manager"], complaint, SimpleUploadedFile("a.pdf", PDF)).status_code == 403
    assert not complaint.attachments.exists()


def test_a_disallowed_file_is_refused_and_nothing_is_attached(client, store_a, supervisor, personas):
    complaint = make_complaint(store=store_a, by=supervisor)
    response = upload(client, personas["cs_agent"], complaint, SimpleUploadedFile("ok.pdf", PDF),
                      SimpleUploadedFile("virus.exe", b"MZ\x90\x00"))
    assert response.status_code == 400
    assert "只能上传" in response.content.decode()
    assert not complaint.attachments.exists()


def test_nothing_is_attached_to_an_archived_complaint(client, store_a, supervisor):
    complaint = make_complaint(store=store_a, by=supervisor, status="closed")
    response = upload(client, supervisor, complaint, SimpleUploadedFile("a.pdf", PDF))
    assert response.status_code == 400 and 'data-testid="action-error"' in response.content.decode()
    assert not complaint.attachments.exists()


def test_another_stores_attachments_are_not_found(client, store_b, supervisor, make_user):
    complaint = make_complaint(store=store_b, by=supervisor)
    attachment = attach(complaint)
    client.force_login(supervisor)
    assert client.get(reverse("complaints:attachment_download", args=[attachment.pk])).status_code == 404
    assert upload(client, supervisor, complaint, SimpleUploadedFile("a.pdf", PDF)).status_code == 404
    client.force_login(make_user("cs_agent", [store_b]))
    assert client.get(reverse("complaints:attachment_download", args=[attachment.pk])).status_code == 200
