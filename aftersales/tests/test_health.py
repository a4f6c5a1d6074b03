"""/healthz reports database, Redis, worker and beat; each failing part makes it 503."""
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from aftersales.models import Heartbeat
from aftersales.tasks import BEAT_HEARTBEAT, record_beat_heartbeat

DEAD_REDIS = "redis://127.0.0.1:1/0"


def healthz(client):
    response = client.get(reverse("healthz"))
    return response.status_code, response.json()


@pytest.fixture
def fresh_beat(db):
    record_beat_heartbeat.apply()


def test_all_parts_ok_gives_200(client, celery_worker, fresh_beat):
    status, body = healthz(client)
    assert body == {"database": "ok", "redis": "ok", "worker": "ok", "beat": "ok"}
    assert status == 200


def test_no_worker_gives_503_naming_the_worker(client, fresh_beat):
    status, body = healthz(client)
    assert status == 503
    assert body["worker"] == "error: no worker answered"
    assert body["database"] == body["redis"] == body["beat"] == "ok"


def test_stale_beat_heartbeat_gives_503(client, celery_worker, fresh_beat):
    Heartbeat.objects.filter(name=BEAT_HEARTBEAT).update(
        beat_at=timezone.now() - timedelta(minutes=5)
    )
    status, body = healthz(client)
    assert status == 503
    assert body["beat"].startswith("error: last heartbeat 3")
    assert body["worker"] == "ok"


def test_missing_beat_heartbeat_gives_503(client, celery_worker):
    status, body = healthz(client)
    assert status == 503
    assert body["beat"] == "error: no heartbeat yet"


def test_redis_down_gives_503(client, fresh_beat):
    with override_settings(REDIS_URL=DEAD_REDIS):
        status, body = healthz(client)
    assert status == 503
    assert body["redis"].startswith("error: ")
    assert body["worker"] == "error: broker unreachable"
    assert body["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_database_down_gives_503(client):
    connection = connections["default"]
    connection.close()
    saved = dict(connection.settings_dict)
    # A real refused connection: nothing listens on port 1.
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        started = time.monotonic()
        status, body = healthz(client)
        elapsed = time.monotonic() - started
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert status == 503
    assert body["database"].startswith("error: OperationalError")
    assert body["beat"] == "error: database unreachable"
    assert elapsed < 5


def test_healthz_needs_no_login_and_is_not_cached(client, db):
    response = client.get(reverse("healthz"))
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_admin_health_page_shows_detail(client, personas, celery_worker, fresh_beat):
    client.force_login(personas["admin"])
    response = client.get(reverse("system_health"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "数据库" in body and "Celery" in body
