"""Each role sees the navigation it uses."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FILES = ["home", "customers", "repair_orders"]
EXPECTED = {
    "advisor": FILES + ["imports", "stores"],
    "cs_agent": FILES + ["queue", "stores"],
    "cs_supervisor": FILES + ["queue", "calls_today", "call_summary", "messages", "imports", "stores"],
    "dept_head": FILES + ["stores"],
    "manager": FILES + ["calls_today", "call_summary", "messages", "imports", "stores"],
    "admin": FILES + ["messages", "imports", "stores", "health", "admin"],
}


@pytest.mark.parametrize("role,keys", EXPECTED.items())
def test_role_sees_its_navigation(client, personas, role, keys):
    client.force_login(personas[role])
    response = client.get(reverse("home"))
    assert [item["key"] for item in response.context["navigation"]] == keys


def test_current_page_is_marked_active(client, personas):
    client.force_login(personas["admin"])
    response = client.get(reverse("store_list"))
    active = [item["key"] for item in response.context["navigation"] if item["active"]]
    assert active == ["stores"]
