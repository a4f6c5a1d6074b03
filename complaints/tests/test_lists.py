"""The complaint list, the department inbox and the triage board: scoping, filters, overdue
first and red, keyset pages, fixed query counts, permissions."""
import datetime as dt
import html
import re
import time
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    ServiceVisitFactory,
    VehicleFactory,
    make_complaint,
)
from complaints import selectors
from complaints.models import Complaint

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def complaint(store, by, *, age=None, overdue=None, due_in=None, **fields):
    """A complaint registered `age` ago, whose step is `overdue` (a timedelta) past its deadline
    or due in `due_in`."""
    made = make_complaint(store=store, by=by, **fields)
    now = timezone.now()
    changes = {}
    if age is not None:
        changes["created_at"] = now - age
    if overdue is not None:
        changes["due_at"] = now - overdue
    if due_in is not None:
        changes["due_at"] = now + due_in
    if changes:
        Complaint.objects.filter(pk=made.pk).update(**changes)
        made.refresh_from_db()
    return made


def numbers(response):
    return [row.number for row in response.context["rows"]]


@pytest.fixture
def supervisor(personas):
    return personas["cs_supervisor"]


@pytest.fixture
def supervisor_b(make_user, store_b):
    return make_user("cs_supervisor", [store_b])


# --- Scope and permissions ---------------------------------------------------------------------
def test_list_shows_only_the_complaints_of_the_users_stores(client, personas, supervisor, supervisor_b, store_a, store_b):
    mine = complaint(store_a, supervisor)
    theirs = complaint(store_b, supervisor_b)
    client.force_login(personas["manager"])
    response = client.get(reverse("complaints:list"))
    assert numbers(response) == [mine.number]
    assert theirs.number not in response.content.decode()


def test_a_filter_naming_another_stores_department_finds_nothing(client, supervisor, supervisor_b, store_a, store_b):
    elsewhere = DepartmentFactory(store=store_b)
    complaint(store_b, supervisor_b, status="assigned", department=elsewhere)
    client.force_login(supervisor)
    response = client.get(reverse("complaints:list"), {"department": elsewhere.pk})
    assert numbers(response) == []
    assert "department" in response.context["filter"].errors


def test_a_user_of_two_stores_sees_both_and_can_pick_one(client, make_user, supervisor, supervisor_b, store_a, store_b):
    in_a = complaint(store_a, supervisor, age=2 * HOUR)
    in_b = complaint(store_b, supervisor_b, age=HOUR)
    client.force_login(make_user("manager", [store_a, store_b]))
    assert numbers(client.get(reverse("complaints:list"))) == [in_b.number, in_a.number]
    assert numbers(client.get(reverse("complaints:list"), {"store": store_a.pk})) == [in_a.number]


def test_a_user_of_one_store_gets_no_store_filter(client, supervisor):
    client.force_login(supervisor)
    assert "store" not in client.get(reverse("complaints:list")).context["filter"].form.fields


@pytest.mark.parametrize("role", ["advisor", "admin"])
def test_list_is_refused_to_roles_without_the_permission(client, personas, role):
    client.force_login(personas[role])
    assert client.get(reverse("complaints:list")).status_code == 403


def test_list_needs_a_login(client):
    response = client.get(reverse("complaints:list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- Overdue first, red, keyset pages ----------------------------------------------------------
def test_overdue_complaints_come_first_most_overdue_first(client, supervisor, store_a):
    fresh = complaint(store_a, supervisor, age=HOUR)
    late = complaint(store_a, supervisor, age=10 * DAY, overdue=2 * HOUR)
    later = complaint(store_a, supervisor, age=5 * DAY, overdue=30 * HOUR)
    closed = complaint(store_a, supervisor, status="closed", age=2 * HOUR)
    client.force_login(supervisor)
    response = client.get(reverse("complaints:list"))
    assert numbers(response) == [later.number, late.number, fresh.number, closed.number]


def test_overdue_rows_are_red_and_the_others_not(client, supervisor, store_a):
    complaint(store_a, supervisor, overdue=HOUR)
    complaint(store_a, supervisor, due_in=HOUR)
    client.force_login(supervisor)
    body = client.get(reverse("complaints:list")).content.decode()
    assert body.count('class="complaint-overdue"') == 1


def test_overdue_beyond_the_top_block_follow_below_in_red(client, supervisor, store_a, monkeypatch):
    monkeypatch.setattr(selectors, "OVERDUE_LIMIT", 2)
    most = complaint(store_a, supervisor, age=3 * DAY, overdue=30 * HOUR)
    second = complaint(store_a, supervisor, age=2 * DAY, overdue=20 * HOUR)
    third = complaint(store_a, supervisor, age=DAY, overdue=10 * HOUR)
    fresh = complaint(store_a, supervisor, age=HOUR)
    client.force_login(supervisor)
    response = client.get(reverse("complaints:list"))
    assert numbers(response) == [most.number, second.number, fresh.number, third.number]
    assert [row.overdue for row in response.context["rows"]] == [True, True, False, True]
    assert 'data-testid="more-overdue"' in response.content.decode()


def test_the_next_page_continues_by_keyset_without_repeating(client, supervisor, store_a, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    late = complaint(store_a, supervisor, age=9 * DAY, overdue=HOUR)
    others = [complaint(store_a, supervisor, age=n * HOUR) for n in range(1, 6)]
    client.force_login(supervisor)
    url = reverse("complaints:list")
    pages, cursor = [], None
    while True:
        response = client.get(url, {"after": cursor} if cursor else {})
        pages.append(numbers(response))
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    # Page 1: the overdue one on top, then the two newest; then the rest, oldest last.
    assert pages == [[late.number] + [c.number for c in others[:2]], [c.number for c in others[2:4]],
                     [others[4].number]]


def test_the_list_runs_the_same_queries_for_3_and_30_complaints(client, supervisor, store_a, django_assert_num_queries):
    department = DepartmentFactory(store=store_a)

    def make(count):
        for n in range(count):
            customer = CustomerFactory(store=store_a)
            visit = ServiceVisitFactory(vehicle=VehicleFactory(owner=customer)) if n % 2 else None
            complaint(store_a, supervisor, customer=customer, visit=visit, overdue=HOUR if n % 3 == 0 else None,
                      status="assigned" if n % 2 else "new", department=department)

    make(3)
    client.force_login(supervisor)
    url = reverse("complaints:list")
    client.get(url)  # the departments are read once, then kept in the cache
    # The user (their stores and their store's departments come from the cache); the overdue
    # ids, the page's ids, the rows.
    with django_assert_num_queries(4):
        client.get(url)
    make(27)
    client.get(url)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["rows"]) == 30


def test_filtering_with_htmx_swaps_only_the_rows(client, supervisor, store_a):
    complaint(store_a, supervisor, category="price")
    client.force_login(supervisor)
    response = client.get(reverse("complaints:list"), {"category": "price"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and 'data-testid="complaints"' in body
    # The export button follows the filter (an out-of-band swap).
    assert 'hx-swap-oob="true"' in body and "category=price" in body


def test_a_rows_text_is_escaped(client, supervisor, store_a):
    # The rows are written by Jinja2 (jinja2/complaints/list_rows.html), whose escaping is ours to turn on.
    complaint(store_a, supervisor, customer=CustomerFactory(store=store_a, name="<b>钱</b>"))
    client.force_login(supervisor)
    body = client.get(reverse("complaints:list")).content.decode()
    assert "&lt;b&gt;钱&lt;/b&gt;" in body and "<b>钱</b>" not in body


def test_the_rows_speak_english_to_an_english_user(client, supervisor, store_a):
    from django.conf import settings

    workshop = DepartmentFactory(store=store_a, name="机修车间", name_en="Workshop")
    complaint(store_a, supervisor, category="price", severity="major", department=workshop, status="assigned",
              overdue=2 * HOUR)
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    row = re.search(r'<tr data-testid="complaint".*?</tr>', client.get(reverse("complaints:list")).content.decode(),
                    re.S).group(0)
    assert "Price" in row and "Major" in row and "Workshop" in row and "overdue by 2 hours" in row
    assert "机修车间" not in row


def test_the_deadline_shows_in_the_stores_local_time(client, supervisor, store_a):
    store_a.time_zone = "Asia/Urumqi"
    store_a.save()
    due = (timezone.now() + 3 * DAY).replace(minute=0, second=0, microsecond=0)
    made = complaint(store_a, supervisor)
    Complaint.objects.filter(pk=made.pk).update(due_at=due)
    client.force_login(supervisor)
    body = client.get(reverse("complaints:list")).content.decode()
    assert f"{due.astimezone(zoneinfo.ZoneInfo('Asia/Urumqi')):%Y-%m-%d %H:%M}" in body
    assert f"{due.astimezone(zoneinfo.ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M}" not in body


def test_a_bad_filter_value_is_explained_not_applied(client, supervisor, store_a):
    made = complaint(store_a, supervisor)
    client.force_login(supervisor)
    response = client.get(reverse("complaints:list"), {"status": "nonsense", "registered_after": "yesterday"})
    assert response.status_code == 200
    assert set(response.context["filter"].errors) == {"status", "registered"}
    assert numbers(response) == [made.number]


# --- Each filter -------------------------------------------------------------------------------
@pytest.fixture
def cases(supervisor, store_a):
    """Five complaints that differ in everything the filters look at."""
    workshop = DepartmentFactory(store=store_a, name="钣喷车间")
    zhang = CustomerFactory(store=store_a, name="张伟", mobile="13800001111")
    VehicleFactory(owner=zhang, plate="京A12345")
    li = CustomerFactory(store=store_a, name="李娜", mobile="13900002222")
    visit = ServiceVisitFactory(vehicle=VehicleFactory(owner=li, plate="沪B67890"))
    return {
        "zhang": complaint(store_a, supervisor, customer=zhang, age=DAY, due_in=DAY),
        "li": complaint(store_a, supervisor, customer=li, visit=visit, category="price", severity="major",
                        channel="walk_in", status="assigned", department=workshop, age=2 * DAY, due_in=DAY),
        "wang": complaint(store_a, supervisor, customer=CustomerFactory(store=store_a, name="王芳"),
                          category="waiting_time", channel="online", status="closed", age=40 * DAY),
        "zhao": complaint(store_a, supervisor, customer=CustomerFactory(store=store_a, name="赵强"),
                          status="cancelled", age=3 * DAY),
        # A fixed name: a random one may hold 张 and be found by the name filters.
        "late": complaint(store_a, supervisor, customer=CustomerFactory(store=store_a, name="孙丽"),
                          status="answered", age=4 * DAY, overdue=HOUR),
        "workshop": workshop,
    }


FILTERS = [
    ("number", lambda c: {"number": c["zhang"].number.lower()}, ["zhang"]),
    ("customer name", lambda c: {"customer": "张"}, ["zhang"]),
    ("customer pinyin", lambda c: {"customer": "zhangwei"}, ["zhang"]),
    ("customer initials", lambda c: {"customer": "ln"}, ["li"]),
    ("customer mobile", lambda c: {"customer": "138 0000 1111"}, ["zhang"]),
    ("mobile last 4", lambda c: {"customer": "2222"}, ["li"]),
    ("plate of the customer's vehicle", lambda c: {"plate": "京A12345"}, ["zhang"]),
    ("plate of the repair order, no province, lower case", lambda c: {"plate": "b67890"}, ["li"]),
    ("category", lambda c: {"category": "price"}, ["li"]),
    ("department", lambda c: {"department": c["workshop"].pk}, ["li"]),
    ("severity", lambda c: {"severity": "major"}, ["li"]),
    ("open", lambda c: {"status": "open"}, ["late", "zhang", "li"]),
    ("closed", lambda c: {"status": "closed"}, ["wang"]),
    ("cancelled", lambda c: {"status": "cancelled"}, ["zhao"]),
    ("channel", lambda c: {"channel": "online"}, ["wang"]),
    ("period", lambda c: {"registered_after": f"{timezone.localdate() - 50 * DAY}",
                          "registered_before": f"{timezone.localdate() - 30 * DAY}"}, ["wang"]),
    ("overdue only", lambda c: {"overdue": "on"}, ["late"]),
]


@pytest.mark.parametrize("params,expected", [case[1:] for case in FILTERS], ids=[case[0] for case in FILTERS])
def test_each_filter_finds_exactly_its_complaints(client, supervisor, cases, params, expected):
    client.force_login(supervisor)
    response = client.get(reverse("complaints:list"), params(cases))
    assert numbers(response) == [cases[name].number for name in expected]


# --- Department inbox --------------------------------------------------------------------------
@pytest.fixture
def workshop(store_a):
    return DepartmentFactory(store=store_a, name="车间")


@pytest.fixture
def parts(store_a):
    return DepartmentFactory(store=store_a, name="配件")


@pytest.fixture
def head(personas, workshop):
    head = personas["dept_head"]
    head.department = workshop
    head.save()
    return head


def waiting(response):
    return [row.number for row in response.context["waiting"]]


def test_inbox_shows_the_own_departments_waiting_complaints_overdue_first(client, supervisor, store_a, head, workshop, parts):
    later = complaint(store_a, supervisor, status="assigned", department=workshop, due_in=2 * DAY)
    late = complaint(store_a, supervisor, status="assigned", department=workshop, overdue=5 * HOUR)
    sooner = complaint(store_a, supervisor, status="assigned", department=workshop, due_in=DAY)
    complaint(store_a, supervisor, status="assigned", department=parts)
    complaint(store_a, supervisor, status="answered", department=workshop)
    complaint(store_a, supervisor)
    client.force_login(head)
    response = client.get(reverse("complaints:inbox"))
    assert waiting(response) == [late.number, sooner.number, later.number]
    assert [row.overdue for row in response.context["waiting"]] == [True, False, False]


def test_inbox_lists_what_the_department_answered_last(client, supervisor, store_a, head, workshop, parts):
    first = complaint(store_a, supervisor, status="answered", department=workshop)
    second = complaint(store_a, supervisor, status="closed", department=workshop)
    complaint(store_a, supervisor, status="answered", department=parts)
    client.force_login(head)
    response = client.get(reverse("complaints:inbox"))
    assert [c.number for c in response.context["answered"]] == [second.number, first.number]
    assert response.context["answered"][1].answered_by == str(supervisor)


def test_a_department_head_cannot_open_another_departments_inbox(client, supervisor, store_a, head, parts):
    complaint(store_a, supervisor, status="assigned", department=parts)
    client.force_login(head)
    response = client.get(reverse("complaints:inbox"), {"department": parts.pk})
    assert response.context["department"] == head.department
    assert waiting(response) == []


def test_a_supervisor_picks_a_department_of_their_store(client, supervisor, store_a, parts):
    made = complaint(store_a, supervisor, status="assigned", department=parts)
    client.force_login(supervisor)
    response = client.get(reverse("complaints:inbox"), {"department": parts.pk})
    assert waiting(response) == [made.number]


def test_a_supervisor_gets_404_for_another_stores_department(client, supervisor, store_b):
    client.force_login(supervisor)
    response = client.get(reverse("complaints:inbox"), {"department": DepartmentFactory(store=store_b).pk})
    assert response.status_code == 404


def test_a_head_without_a_department_is_told_so(client, personas):
    client.force_login(personas["dept_head"])
    response = client.get(reverse("complaints:inbox"))
    assert response.status_code == 200 and 'data-testid="no-department"' in response.content.decode()


@pytest.mark.parametrize("role", ["cs_agent", "manager", "advisor"])
def test_inbox_is_refused_to_roles_that_do_not_answer(client, personas, role):
    client.force_login(personas[role])
    assert client.get(reverse("complaints:inbox")).status_code == 403


def test_inbox_runs_the_same_queries_for_3_and_30_complaints(client, supervisor, store_a, head, workshop, django_assert_num_queries):
    def make(count):
        for n in range(count):
            complaint(store_a, supervisor, status="answered" if n % 3 == 0 else "assigned", department=workshop,
                      overdue=HOUR if n % 2 else None)

    make(3)
    client.force_login(head)
    url = reverse("complaints:inbox")
    # The user (their stores from the cache) and the departments; the waiting ids, the answered
    # ids, the rows.
    with django_assert_num_queries(5) as few:
        client.get(url)
    make(27)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["waiting"]) == 20 and len(response.context["answered"]) == 10


# --- Triage board ------------------------------------------------------------------------------
def test_triage_counts_match_the_complaints(client, supervisor, supervisor_b, store_a, store_b):
    for overdue in (None, None, HOUR):
        complaint(store_a, supervisor, overdue=overdue)
    for overdue in (None, 2 * HOUR):
        complaint(store_a, supervisor, status="assigned", overdue=overdue)
    complaint(store_a, supervisor, status="answered", overdue=3 * HOUR)
    complaint(store_a, supervisor, status="closed")
    complaint(store_a, supervisor, status="closed")
    complaint(store_a, supervisor, status="cancelled")
    complaint(store_a, supervisor, status="closed", age=40 * DAY)
    complaint(store_a, supervisor, status="assigned", age=40 * DAY)
    complaint(store_b, supervisor_b, overdue=HOUR)
    client.force_login(supervisor)
    context = client.get(reverse("complaints:triage")).context
    assert [(s["status"], s["count"], s["overdue"]) for s in context["steps"]] == [
        ("new", 3, 1), ("assigned", 3, 1), ("answered", 1, 1),
    ]
    assert context["overdue_total"] == 3
    assert context["recent"] == {"days": 30, "registered": 9, "closed": 2, "cancelled": 1}


def test_triage_lists_new_complaints_oldest_first(client, supervisor, store_a):
    newer = complaint(store_a, supervisor, age=HOUR)
    older = complaint(store_a, supervisor, age=5 * HOUR)
    complaint(store_a, supervisor, status="assigned", age=9 * HOUR)
    client.force_login(supervisor)
    response = client.get(reverse("complaints:triage"))
    assert [c.number for c in response.context["awaiting"]] == [older.number, newer.number]


def test_triage_lists_overdue_items_of_every_step_most_overdue_first(client, supervisor, store_a):
    answered = complaint(store_a, supervisor, status="answered", overdue=HOUR)
    new = complaint(store_a, supervisor, overdue=9 * HOUR)
    assigned = complaint(store_a, supervisor, status="assigned", overdue=5 * HOUR)
    complaint(store_a, supervisor, status="assigned", due_in=HOUR)
    client.force_login(supervisor)
    response = client.get(reverse("complaints:triage"))
    assert [c.number for c in response.context["late"]] == [new.number, assigned.number, answered.number]


def test_triage_of_a_two_store_supervisor_can_show_one_store(client, make_user, supervisor, supervisor_b, store_a, store_b):
    complaint(store_a, supervisor)
    in_b = complaint(store_b, supervisor_b)
    client.force_login(make_user("cs_supervisor", [store_a, store_b]))
    assert len(client.get(reverse("complaints:triage")).context["awaiting"]) == 2
    response = client.get(reverse("complaints:triage"), {"store": store_b.pk})
    assert [c.number for c in response.context["awaiting"]] == [in_b.number]


@pytest.mark.parametrize("role", ["cs_agent", "dept_head", "manager"])
def test_triage_is_refused_to_roles_that_do_not_triage(client, personas, role):
    client.force_login(personas[role])
    assert client.get(reverse("complaints:triage")).status_code == 403


def test_triage_runs_the_same_queries_for_3_and_30_complaints(client, supervisor, store_a, django_assert_num_queries):
    def make(count):
        for n in range(count):
            complaint(store_a, supervisor, status=("new", "assigned", "answered", "closed")[n % 4],
                      overdue=HOUR if n % 2 and n % 4 != 3 else None)

    make(3)
    client.force_login(supervisor)
    url = reverse("complaints:triage")
    # The user (their stores from the cache); the counts, the new ids, the overdue ids, the rows.
    with django_assert_num_queries(5) as few:
        client.get(url)
    make(27)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["awaiting"]) == 8


def test_a_complaint_falling_overdue_between_two_pages_is_not_lost(client, supervisor, store_a, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    others = [complaint(store_a, supervisor, age=n * HOUR) for n in range(1, 4)]
    client.force_login(supervisor)
    falling = complaint(store_a, supervisor, age=9 * DAY, due_in=dt.timedelta(seconds=1))
    first = client.get(reverse("complaints:list"))
    assert numbers(first) == [others[0].number, others[1].number]
    time.sleep(max(0.0, (falling.due_at - timezone.now()).total_seconds()) + 0.05)
    link = re.search(r'href="([^"]*)" data-testid="next-page"', first.content.decode()).group(1)
    second = client.get(reverse("complaints:list") + html.unescape(link))
    assert numbers(second) == [others[2].number, falling.number]


def test_a_tampered_page_link_starts_again_from_the_top(client, supervisor, store_a):
    import base64

    complaint(store_a, supervisor, age=HOUR)
    client.force_login(supervisor)
    forged = base64.urlsafe_b64encode(b'["x","y"]').decode().rstrip("=")
    response = client.get(reverse("complaints:list"), {"after": forged, "at": "not-a-moment"})
    assert response.status_code == 200 and len(numbers(response)) == 1


def test_triage_board_shows_no_overdue_complaints_without_red(client, personas):
    client.force_login(personas["cs_supervisor"])
    body = client.get(reverse("complaints:triage")).content.decode()
    start = body.index('data-testid="overdue-total"')
    badge = body[body.rindex("<span", 0, start):body.index("</span>", start)]
    assert "text-bg-danger" not in badge and badge.endswith(">0")


def _department_choices(response):
    return dict(response.context["filter"].form.fields["department"].choices)


def test_a_supervisor_of_two_stores_picks_a_store_then_one_of_its_departments(client, make_user, store_a, store_b):
    workshop = DepartmentFactory(store=store_a, name="机修车间")
    DepartmentFactory(store=store_b, name="钣喷车间")
    client.force_login(make_user("cs_supervisor", [store_a, store_b]))
    url = reverse("complaints:list")
    # No store picked: no department to pick, and the filter says why.
    assert _department_choices(client.get(url)) == {"": "请先选择门店"}
    assert _department_choices(client.get(url, {"store": store_a.pk})) == {"": "---------", workshop.pk: "机修车间"}


def test_a_link_naming_a_department_without_its_store_still_filters_by_it(client, make_user, store_a, store_b):
    supervisor = make_user("cs_supervisor", [store_a, store_b])
    workshop = DepartmentFactory(store=store_b, name="钣喷车间")
    complaint(store_b, supervisor, status="assigned", department=workshop)
    complaint(store_b, supervisor, status="new")
    client.force_login(supervisor)
    response = client.get(reverse("complaints:list"), {"department": workshop.pk})
    assert not response.context["filter"].errors
    assert response.context["filter"].qs.count() == 1


def test_picking_a_store_offers_its_departments_and_never_another_s(client, make_user, store_a, store_b):
    from aftersales.tests.factories import StoreFactory

    elsewhere = StoreFactory(code="c", name="丙店")
    DepartmentFactory(store=store_a, name="机修车间")
    DepartmentFactory(store=elsewhere, name="丙店车间")
    client.force_login(make_user("cs_supervisor", [store_a, store_b]))
    url = reverse("complaints:department_options")
    body = client.get(url, {"store": store_a.pk}).content.decode()
    assert "机修车间" in body and body.startswith('<option value="">---------</option>')
    refused = client.get(url, {"store": elsewhere.pk}).content.decode()
    assert "丙店车间" not in refused and "请先选择门店" in refused
    list_page = client.get(reverse("complaints:list")).content.decode()
    assert f'hx-get="{url}"' in list_page and 'hx-target="#id_department"' in list_page
