"""Each role sees the navigation it uses."""
import pytest
from django.urls import reverse

from aftersales.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

FILES = ["home", "customers", "repair_orders"]
BOOKING = ["day_book", "appointment_list"]
EXPECTED = {
    "advisor": FILES + BOOKING + ["my_appointments", "imports", "stores"],
    "cs_agent": FILES + ["queue", "complaints"] + BOOKING + ["stores"],
    "cs_supervisor": FILES + [
        "queue", "calls_today", "call_summary", "call_records", "campaigns", "complaints", "complaint_inbox",
        "triage",
    ] + BOOKING + ["my_appointments", "kpi_dashboard", "kpi_report", "kpi_scorecard", "kpi_ms", "kpi_actions",
                   "messages", "imports", "stores"],
    # The personas belong to no department: no inbox (see below).
    "dept_head": FILES + ["complaints", "stores"],
    "manager": FILES + ["calls_today", "call_summary", "call_records", "campaigns", "complaints"] + BOOKING + [
        "kpi_dashboard", "kpi_report", "kpi_targets", "kpi_scorecard", "kpi_ms", "kpi_actions",
        "messages", "imports", "stores",
    ],
    "admin": FILES + ["messages", "imports", "stores", "health", "admin"],
}


@pytest.mark.parametrize("role,keys", EXPECTED.items())
def test_role_sees_its_navigation(client, personas, role, keys):
    client.force_login(personas[role])
    response = client.get(reverse("home"), {"workbench": 1})
    assert [item["key"] for item in response.context["navigation"]] == keys


def test_department_head_of_a_department_sees_the_inbox(client, personas, store_a):
    head = personas["dept_head"]
    head.department = DepartmentFactory(store=store_a)
    head.save()
    client.force_login(head)
    response = client.get(reverse("home"))
    assert "complaint_inbox" in [item["key"] for item in response.context["navigation"]]


def test_current_page_is_marked_active(client, personas):
    client.force_login(personas["admin"])
    response = client.get(reverse("store_list"))
    active = [item["key"] for item in response.context["navigation"] if item["active"]]
    assert active == ["stores"]


def _menu(client, user):
    client.force_login(user)
    return client.get(reverse("home"), {"workbench": 1}).context["navigation_menu"]


def test_a_supervisor_s_modules_are_grouped_into_menus(client, personas):
    menu = _menu(client, personas["cs_supervisor"])
    assert [entry["key"] for entry in menu] == FILES + ["calls", "complaints", "appointments", "reports", "system"]
    complaints = menu[len(FILES) + 1]
    assert [item["key"] for item in complaints["children"]] == ["complaints", "complaint_inbox", "triage"]


def test_a_group_with_one_entry_for_the_user_is_a_plain_link(client, personas):
    menu = _menu(client, personas["cs_agent"])
    assert [entry["key"] for entry in menu] == FILES + ["queue", "complaints", "appointments", "stores"]
    assert all("children" not in entry for entry in menu if entry["key"] != "appointments")


def test_the_menu_of_the_current_page_is_marked_active(client, personas):
    client.force_login(personas["cs_supervisor"])
    menu = client.get(reverse("complaints:triage")).context["navigation_menu"]
    assert [entry["key"] for entry in menu if entry["active"]] == ["complaints"]


@pytest.mark.parametrize("language,brand,logout,placeholder", [
    ("zh-hans", "售后服务管理系统", "退出登录", "姓名、手机号、车牌、车架号"), ("en", "After-sales", "Log out", "Name, mobile, plate, VIN")])
def test_the_top_bar_speaks_the_user_s_language_and_posts_with_the_csrf_token(client, personas, language, brand,
                                                                              logout, placeholder):
    import re

    from django.utils import translation

    user = personas["cs_supervisor"]
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(reverse("customers:list"), {"tier": "vip"})
    bar = response.content.decode().split('<main', 1)[0]
    token = response.context["csrf_token"]
    assert f'<a class="navbar-brand" href="{reverse("home")}">{brand}</a>' in bar
    assert f'placeholder="{placeholder}"' in bar
    assert re.search(rf'<form method="post" action="{reverse("logout")}">\s*<input type="hidden" '
                     rf'name="csrfmiddlewaretoken" value="{token}">\s*<button type="submit" class="dropdown-item">'
                     rf'{logout}</button>', bar)
    assert f'<input type="hidden" name="next" value="{reverse("customers:list")}?tier=vip">' in bar
    pressed = re.findall(r'lang="([^"]+)"\s+class="btn btn-sm btn-light"\s+aria-pressed="true"', bar)
    assert pressed == [language]
    with translation.override(language):
        assert f'data-testid="user-role">{user.role.label}</h6>' in bar
    assert 'data-nav="customers" aria-current="page"' in bar


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed in"])
def test_the_not_found_page_has_the_top_bar_with_a_user_menu_only_when_signed_in(client, personas, settings,
                                                                                  signed_in):
    settings.DEBUG = False
    if signed_in:
        client.force_login(personas["cs_agent"])
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="language-switch"' in body
    assert ('data-testid="user-menu"' in body) is signed_in
