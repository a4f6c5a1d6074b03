"""A year with no published holiday arrangement is counted with plain weekends; from December
on the admins' health page says so for the next year (issue 7), and how to fix it."""
import datetime as dt

import pytest
from django.urls import reverse

from aftersales import health
from complaints.models import CalendarYear

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 3)
NOVEMBER = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def this_year_published():
    CalendarYear.objects.update_or_create(year=2026, defaults={"published": True})
    CalendarYear.objects.filter(year=2027).delete()


@pytest.fixture
def on(monkeypatch):
    def set_today(day):
        monkeypatch.setattr(health, "_today", lambda: day)

    return set_today


def health_page(client, personas):
    client.force_login(personas["admin"])
    return client.get(reverse("system_health"))


def test_in_december_an_unpublished_next_year_is_warned_of(client, personas, on):
    on(DECEMBER)
    response = health_page(client, personas)
    assert response.context["unpublished_calendar_years"] == [2027]
    body = response.content.decode()
    assert 'data-testid="calendar-warning"' in body
    assert "python manage.py load_calendar 2027" in body
    assert reverse("admin:complaints_calendarday_changelist") in body


def test_a_published_next_year_gives_no_warning(client, personas, on):
    CalendarYear.objects.create(year=2027, published=True)
    on(DECEMBER)
    response = health_page(client, personas)
    assert response.context["unpublished_calendar_years"] == []
    assert 'data-testid="calendar-warning"' not in response.content.decode()


def test_a_next_year_loaded_but_not_published_is_still_warned_of(client, personas, on):
    CalendarYear.objects.create(year=2027, published=False)
    on(DECEMBER)
    assert health_page(client, personas).context["unpublished_calendar_years"] == [2027]


def test_before_december_the_next_year_is_not_warned_of(client, personas, on):
    on(NOVEMBER)
    response = health_page(client, personas)
    assert response.context["unpublished_calendar_years"] == []
    assert 'data-testid="calendar-warning"' not in response.content.decode()


def test_an_unpublished_current_year_is_warned_of_in_any_month(client, personas, on):
    CalendarYear.objects.filter(year=2026).update(published=False)
    on(NOVEMBER)
    assert health_page(client, personas).context["unpublished_calendar_years"] == [2026]


def test_the_warning_does_not_fail_healthz(client, on):
    on(DECEMBER)
    body = client.get(reverse("healthz")).json()
    assert set(body) == {"database", "redis", "worker", "beat"}
