"""Each role reaches the pages it needs and no others; anonymous users are sent to log in."""
import pytest
from django.urls import reverse

from conftest import ROLE_NAMES

pytestmark = pytest.mark.django_db

HISTORY_ROLES = {"cs_supervisor", "manager", "admin"}


@pytest.mark.parametrize(
    "url_name,args",
    [("home", []), ("store_list", []), ("system_health", []), ("password_change", [])],
)
def test_anonymous_user_is_sent_to_login(client, url_name, args):
    url = reverse(url_name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_user_is_sent_to_login_from_store_page(client, store_a):
    response = client.get(reverse("store_detail", args=[store_a.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_system_health_page_is_for_admins_only(client, personas, role):
    client.force_login(personas[role])
    response = client.get(reverse("system_health"))
    if role == "admin":
        # 200 or 503: the page itself, reporting whichever parts are up.
        assert response.status_code in (200, 503)
        assert response.templates[0].name == "aftersales/system_health.html"
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_history_page_is_for_supervisors_and_managers(client, personas, store_a, role):
    client.force_login(personas[role])
    response = client.get(reverse("object_history", args=["aftersales", "store", store_a.pk]))
    assert response.status_code == (200 if role in HISTORY_ROLES else 403)


def test_user_without_a_role_is_refused_store_pages(client, nobody, store_a):
    client.force_login(nobody)
    assert client.get(reverse("store_list")).status_code == 403
    assert client.get(reverse("home")).status_code == 200


def test_backup_request_refuses_get(client, personas):
    client.force_login(personas["admin"])
    assert client.get(reverse("request_backup")).status_code == 405


def test_backup_request_refused_to_non_admins(client, personas):
    client.force_login(personas["manager"])
    assert client.post(reverse("request_backup")).status_code == 403


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_only_admins_reach_the_admin_site(client, personas, role):
    client.force_login(personas[role])
    response = client.get(reverse("admin:index"))
    assert response.status_code == (200 if role == "admin" else 302)


def test_history_of_untracked_model_is_404(client, personas, store_a):
    client.force_login(personas["admin"])
    response = client.get(reverse("object_history", args=["aftersales", "heartbeat", 1]))
    assert response.status_code == 404
    response = client.get(reverse("object_history", args=["nosuchapp", "thing", 1]))
    assert response.status_code == 404


def test_favicon_redirects_to_the_static_icon_without_login(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
