"""System health: is each part the application needs up right now?

Each check returns a `Check`; `/healthz` gives the short text, the admins' page the detail.
The admins' page also warns of what needs their hand soon without anything failing yet, such
as a holiday calendar not published for a year deadlines reach.
"""
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

OK = "ok"


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    summary: str  # "ok" or a short failure text, safe to show to a load balancer
    detail: str = ""  # the full message, for administrators only

    @property
    def ok(self):
        return self.summary == OK


def _failure(name, label, summary, exc=None):
    detail = f"{type(exc).__name__}: {exc}".strip() if exc else summary
    return Check(name, label, summary, detail[:500])


def check_database():
    label = _("Database")
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure is a health answer, not a crash
        return _failure("database", label, f"error: {type(exc).__name__}", exc)
    return Check("database", label, OK)


def check_redis():
    label = _("Redis")
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        client.ping()
        client.close()
    except Exception as exc:
        return _failure("redis", label, f"error: {type(exc).__name__}", exc)
    return Check("redis", label, OK)


def check_worker(redis_ok=True):
    label = _("Celery worker")
    if not redis_ok:
        return _failure("worker", label, "error: broker unreachable")
    from aftersales.celery import app

    try:
        replies = app.control.ping(timeout=settings.HEALTH_WORKER_PING_TIMEOUT, limit=1)
    except Exception as exc:
        return _failure("worker", label, f"error: {type(exc).__name__}", exc)
    if not replies:
        return _failure("worker", label, "error: no worker answered")
    return Check("worker", label, OK, ", ".join(name for reply in replies for name in reply))


def check_beat(database_ok=True):
    from .models import Heartbeat
    from .tasks import BEAT_HEARTBEAT

    label = _("Celery beat")
    if not database_ok:
        return _failure("beat", label, "error: database unreachable")
    try:
        heartbeat = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).first()
    except Exception as exc:
        return _failure("beat", label, f"error: {type(exc).__name__}", exc)
    if heartbeat is None:
        return _failure("beat", label, "error: no heartbeat yet")
    age = timezone.now() - heartbeat.beat_at
    if age > settings.BEAT_HEARTBEAT_MAX_AGE:
        return _failure("beat", label, f"error: last heartbeat {int(age.total_seconds())} s ago")
    return Check("beat", label, OK, f"{timezone.localtime(heartbeat.beat_at):%Y-%m-%d %H:%M:%S}")


def system_health():
    database = check_database()
    redis_check = check_redis()
    return [
        database,
        redis_check,
        check_worker(redis_ok=redis_check.ok),
        check_beat(database_ok=database.ok),
    ]


_today = timezone.localdate

# The app that keeps the working-day calendar (complaints, in ComplaintsConfig.ready) gives the
# years without a published arrangement: the core imports no domain app.
_unpublished_years = None


def register_calendar(unpublished_years):
    """Registers `unpublished_years(today) -> list[int]` for the admins' health page."""
    global _unpublished_years
    _unpublished_years = unpublished_years


def unpublished_calendar_years(today=None) -> list[int]:
    """Years complaint deadlines may reach with no published holiday arrangement (this year,
    and the next from December on): their deadlines count plain weekends until an administrator
    adds the State Council's arrangement. A warning for the admins' page, not a failure of
    /healthz; nothing to say when the database cannot answer (its own check fails then)."""
    if _unpublished_years is None:
        return []
    try:
        return _unpublished_years(today or _today())
    except DatabaseError:
        return []
