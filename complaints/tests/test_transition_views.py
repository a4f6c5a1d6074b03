"""The moves of the loop through the pages: every legal move per role, every illegal one refused
per role with a clear message and nothing changed, form errors (400), and scoping."""
import pytest
from django.urls import reverse

from aftersales.models import Department
from aftersales.tests.factories import ANSWER, DepartmentFactory, FollowUpFactory, make_complaint
from complaints.models import Complaint
from complaints.services import complaint_from_dissatisfaction
from visits.models import Dissatisfaction

pytestmark = pytest.mark.django_db

NOT_ALLOWED = "无权访问"  # the 403 page: "Not allowed"


@pytest.fixture
def workshop(store_a):
    return DepartmentFactory(store=store_a, kind=Department.Kind.WORKSHOP, name="维修车间")


@pytest.fixture
def parts(store_a):
    return DepartmentFactory(store=store_a, kind=Department.Kind.PARTS, name="配件部")


@pytest.fixture
def people(personas, make_user, store_a, workshop, parts):
    """The roles of the brief; `dept_head` heads the workshop, `other_head` the parts department."""
    head = make_user("dept_head", [store_a], username="workshop_head", department=workshop)
    workshop.head = head
    workshop.save()
    return {
        "cs_agent": personas["cs_agent"], "cs_supervisor": personas["cs_supervisor"], "dept_head": head,
        "other_head": make_user("dept_head", [store_a], username="parts_head", department=parts),
        "manager": personas["manager"], "advisor": personas["advisor"],
    }


@pytest.fixture
def complaint_in(store_a, people, workshop):
    def make(status):
        return make_complaint(store=store_a, by=people["cs_supervisor"], status=status, department=workshop)

    return make


def post(client, user, action, complaint, data=None):
    client.force_login(user)
    return client.post(reverse(f"complaints:{action}", args=[complaint.pk]), data or {})


def status_of(complaint):
    return Complaint.objects.values_list("status", flat=True).get(pk=complaint.pk)


def transitions_of(complaint):
    return complaint.transitions.count()


# --- Legal moves ------------------------------------------------------------------------------
def test_supervisor_routes_a_new_complaint_to_a_department_and_handler(client, people, complaint_in, workshop):
    complaint = complaint_in("new")
    response = post(client, people["cs_supervisor"], "assign", complaint,
                    {"department": workshop.pk, "handler": people["dept_head"].pk, "note": "请尽快处理"})
    assert response.status_code == 302 and response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    complaint.refresh_from_db()
    assert (complaint.status, complaint.department, complaint.handler) == ("assigned", workshop, people["dept_head"])
    assert complaint.transitions.latest("id").note == "请尽快处理"


def test_supervisor_cancels_a_duplicate_with_its_original_by_number(client, people, complaint_in):
    original, again = complaint_in("new"), complaint_in("new")
    response = post(client, people["cs_supervisor"], "cancel", again,
                    {"reason": "与原投诉重复", "duplicate_of": original.number.lower()})
    assert response.status_code == 302
    again.refresh_from_db()
    assert (again.status, again.duplicate_of) == ("cancelled", original)


def test_cancelling_a_complaint_from_a_return_visit_dismisses_the_finding(client, people, store_a):
    followup = FollowUpFactory(store=store_a)
    finding = Dissatisfaction.objects.create(
        store=store_a, customer=followup.customer, visit=followup.visit, followup=followup,
        reasons=["timeliness"], customer_words="等太久", recorded_by=people["cs_agent"],
    )
    complaint = complaint_from_dissatisfaction(finding, by=people["cs_agent"])
    post(client, people["cs_supervisor"], "cancel", complaint, {"reason": "客户表示只是提个建议"})
    finding.refresh_from_db()
    assert (status_of(complaint), finding.status) == ("cancelled", Dissatisfaction.Status.DISMISSED)


@pytest.mark.parametrize("role", ["dept_head", "cs_supervisor"])
def test_the_department_or_a_supervisor_answers(client, people, complaint_in, role):
    complaint = complaint_in("assigned")
    response = post(client, people[role], "answer", complaint, ANSWER)
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.root_cause) == ("answered", ANSWER["root_cause"])


@pytest.mark.parametrize("role", ["cs_agent", "cs_supervisor"])
def test_a_satisfied_customer_closes_the_complaint(client, people, complaint_in, role):
    complaint = complaint_in("answered")
    response = post(client, people[role], "callback", complaint, {"satisfied": "yes", "customer_words": "满意"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.customer_feedback) == ("closed", "满意")
    assert complaint.closed_at is not None


def test_an_unhappy_customer_sends_it_back_to_the_department_for_another_round(client, people, complaint_in):
    complaint = complaint_in("answered")
    response = post(client, people["cs_agent"], "callback", complaint,
                    {"satisfied": "no", "customer_words": "还是有异响"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.rounds, complaint.customer_feedback) == ("assigned", 2, "还是有异响")


# --- Illegal moves per role: the role lacks the permission (403, the "not allowed" page) -------
ACTIONS = {
    "assign": ("new", lambda workshop: {"department": workshop.pk}),
    "cancel": ("new", lambda workshop: {"reason": "无效"}),
    "answer": ("assigned", lambda workshop: ANSWER),
    "callback": ("answered", lambda workshop: {"satisfied": "yes", "customer_words": "满意"}),
}


@pytest.mark.parametrize("action,role", [
    ("assign", "cs_agent"), ("assign", "dept_head"), ("assign", "other_head"), ("assign", "manager"),
    ("assign", "advisor"),
    ("cancel", "cs_agent"), ("cancel", "dept_head"), ("cancel", "other_head"), ("cancel", "manager"),
    ("cancel", "advisor"),
    ("answer", "cs_agent"), ("answer", "manager"), ("answer", "advisor"),
    ("callback", "dept_head"), ("callback", "other_head"), ("callback", "manager"), ("callback", "advisor"),
])
def test_a_role_without_the_right_is_refused_and_nothing_changes(client, people, complaint_in, workshop,
                                                                action, role):
    status, data = ACTIONS[action]
    complaint = complaint_in(status)
    moves = transitions_of(complaint)
    response = post(client, people[role], action, complaint, data(workshop))
    assert response.status_code == 403
    assert NOT_ALLOWED in response.content.decode()
    assert (status_of(complaint), transitions_of(complaint)) == (status, moves)


def test_another_departments_head_may_not_answer(client, people, complaint_in):
    complaint = complaint_in("assigned")
    response = post(client, people["other_head"], "answer", complaint, ANSWER)
    assert response.status_code == 400
    assert "只有责任部门可以答复此投诉" in response.content.decode()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.root_cause) == ("assigned", "")


# --- Illegal moves per state: refused with the state named -------------------------------------
@pytest.mark.parametrize("action,status,role", [
    ("assign", "assigned", "cs_supervisor"), ("assign", "answered", "cs_supervisor"),
    ("cancel", "assigned", "cs_supervisor"), ("cancel", "answered", "cs_supervisor"),
    ("answer", "new", "dept_head"), ("answer", "answered", "cs_supervisor"),
    ("callback", "new", "cs_agent"), ("callback", "assigned", "cs_agent"),
    ("assign", "closed", "cs_supervisor"), ("cancel", "closed", "cs_supervisor"),
    ("answer", "closed", "cs_supervisor"), ("callback", "closed", "cs_agent"),
    ("assign", "cancelled", "cs_supervisor"), ("callback", "cancelled", "cs_supervisor"),
])
def test_a_move_the_state_does_not_allow_is_refused_with_a_message(client, people, complaint_in, workshop,
                                                                  action, status, role):
    complaint = complaint_in(status)
    moves = transitions_of(complaint)
    response = post(client, people[role], action, complaint, ACTIONS[action][1](workshop))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="action-error"' in body and "现在不能进行此操作" in body
    assert (status_of(complaint), transitions_of(complaint)) == (status, moves)


# --- Form errors: 400, the form again with what is wrong, nothing changed ---------------------
def test_cancel_without_a_reason_is_refused(client, people, complaint_in):
    complaint = complaint_in("new")
    response = post(client, people["cs_supervisor"], "cancel", complaint, {"reason": "   "})
    assert response.status_code == 400
    assert response.context["cancel_form"].errors["reason"]
    assert status_of(complaint) == "new"


def test_cancel_as_duplicate_of_an_unknown_or_other_stores_number_is_refused(client, people, complaint_in,
                                                                            store_b):
    complaint = complaint_in("new")
    elsewhere = make_complaint(store=store_b, by=people["cs_supervisor"])
    for number in ("A-1999-00001", elsewhere.number, complaint.number):
        response = post(client, people["cs_supervisor"], "cancel", complaint,
                        {"reason": "重复", "duplicate_of": number})
        assert response.status_code == 400
        assert response.context["cancel_form"].errors["duplicate_of"]
    assert status_of(complaint) == "new"


def test_assign_to_a_handler_outside_the_department_is_refused(client, people, complaint_in, workshop):
    complaint = complaint_in("new")
    response = post(client, people["cs_supervisor"], "assign", complaint,
                    {"department": workshop.pk, "handler": people["other_head"].pk})
    assert response.status_code == 400
    assert response.context["assign_form"].errors["handler"]
    assert status_of(complaint) == "new"


def test_assign_to_another_stores_department_is_refused(client, people, complaint_in, store_b):
    complaint = complaint_in("new")
    response = post(client, people["cs_supervisor"], "assign", complaint,
                    {"department": DepartmentFactory(store=store_b).pk})
    assert response.status_code == 400
    assert response.context["assign_form"].errors["department"]
    assert status_of(complaint) == "new"


def test_an_incomplete_answer_is_refused(client, people, complaint_in):
    complaint = complaint_in("assigned")
    response = post(client, people["dept_head"], "answer", complaint, {**ANSWER, "root_cause": ""})
    assert response.status_code == 400
    assert response.context["answer_form"].errors["root_cause"]
    assert status_of(complaint) == "assigned"


def test_not_satisfied_without_the_customers_words_is_refused(client, people, complaint_in):
    complaint = complaint_in("answered")
    response = post(client, people["cs_agent"], "callback", complaint, {"satisfied": "no", "customer_words": ""})
    assert response.status_code == 400
    assert response.context["callback_form"].errors["customer_words"]
    assert status_of(complaint) == "answered"


def test_moves_need_a_post(client, people, complaint_in):
    complaint = complaint_in("new")
    client.force_login(people["cs_supervisor"])
    assert client.get(reverse("complaints:assign", args=[complaint.pk])).status_code == 405


@pytest.mark.parametrize("action", ["assign", "cancel"])
def test_another_stores_complaint_cannot_be_moved(client, people, store_b, workshop, action):
    complaint = make_complaint(store=store_b, by=people["cs_supervisor"])
    response = post(client, people["cs_supervisor"], action, complaint, ACTIONS[action][1](workshop))
    assert response.status_code == 404
    assert status_of(complaint) == "new"
