"""Each role sees the navigation it uses."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXPECTED = {
    "advisor": ["home", "stores"],
    "cs_agent": ["home", "stores"],
    "cs_supervisor": ["home", "stores"],
    "dept_head": ["home", "stores"],
    "manager": ["home", "stores"],
    "admin": ["home", "stores", "health", "admin"],
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
