"""Login, logout, password change and the brute-force lockout (django-axes)."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_right_password_logs_in_and_lands_on_the_workbench(client, personas):
    response = login(client, "advisor_a", TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_says_so_and_does_not_log_in(client, personas):
    response = login(client, "advisor_a", "wrong")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("home")).status_code == 302


def test_logout_needs_post(client, personas):
    client.force_login(personas["advisor"])
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_password_change_takes_effect(client, personas):
    client.force_login(personas["cs_agent"])
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-much-better-secret-7",
            "new_password2": "a-much-better-secret-7",
        },
    )
    assert response.status_code == 302
    personas["cs_agent"].refresh_from_db()
    assert personas["cs_agent"].check_password("a-much-better-secret-7")


def test_password_change_with_wrong_old_password_changes_nothing(client, personas):
    client.force_login(personas["cs_agent"])
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "x-Secret-99", "new_password2": "x-Secret-99"},
    )
    assert response.status_code == 200
    personas["cs_agent"].refresh_from_db()
    assert personas["cs_agent"].check_password(TEST_PASSWORD)


def test_five_wrong_passwords_lock_the_username_at_that_address(client, personas):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "advisor_a", "wrong").status_code == 200
    locked = login(client, "advisor_a", "wrong")
    assert locked.status_code == 429
    # Even the right password is refused while locked.
    assert login(client, "advisor_a", TEST_PASSWORD).status_code == 429
    assert client.get(reverse("home")).status_code == 302


def test_lockout_is_per_username_and_address(client, personas):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "advisor_a", "wrong", ip="10.0.0.1")
    assert login(client, "advisor_a", TEST_PASSWORD, ip="10.0.0.2").status_code == 302
    client.post(reverse("logout"))
    assert login(client, "cs_agent_a", TEST_PASSWORD, ip="10.0.0.1").status_code == 302


def test_lockout_ends_after_the_cool_off(client, personas):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "advisor_a", "wrong")
    assert login(client, "advisor_a", TEST_PASSWORD).status_code == 429
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert login(client, "advisor_a", TEST_PASSWORD).status_code == 302


def test_behind_a_proxy_each_client_address_is_locked_out_on_its_own(client, personas, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

    def via_proxy(client_ip, password):
        return client.post(
            reverse("login"), {"username": "advisor_a", "password": password},
            REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=f"{client_ip}, 10.0.0.254",
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        via_proxy("203.0.113.7", "wrong")
    assert via_proxy("203.0.113.7", TEST_PASSWORD).status_code == 429
    assert via_proxy("198.51.100.9", TEST_PASSWORD).status_code == 302


def test_cool_off_is_finite():
    assert timedelta(0) < settings.AXES_COOLOFF_TIME <= timedelta(hours=1)


def test_locked_out_page_says_how_long_in_chinese(client, personas):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, "advisor_a", "wrong")
    body = response.content.decode()
    assert response.status_code == 429
    assert "15" in body and "分钟" in body


def test_login_page_works_without_login_and_carries_csrf(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()
