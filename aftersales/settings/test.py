"""Test flavour: the dev flavour on its own Redis database, with fast password hashing."""
import os

from django.core.exceptions import ImproperlyConfigured

from .env import celery_broker_url, env_int, redis_with_db
from .dev import *  # noqa: F401,F403
from .dev import CACHES, REDIS_URL


def _test_redis_db():
    """Tests keep to their own logical database: TEST_REDIS_DB (default 15) in one process, and
    under pytest-xdist one database per worker below it (gw0 → 14, gw1 → 13, …), so two workers
    never share a cache key or a Celery broker queue (the cache, the broker and a test's real
    Celery worker all use this one)."""
    base = env_int("TEST_REDIS_DB", 15)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return base
    db = base - 1 - int(worker[2:])
    if db < 0:
        raise ImproperlyConfigured(f"Too many test workers for Redis's databases below TEST_REDIS_DB={base}.")
    return db


REDIS_URL = redis_with_db(REDIS_URL, _test_redis_db())
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "aftersales-test"
CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
# A test's Celery worker stops only once its pending BRPOP returns: wait 0.1 s at a time, not 1 s
# (a second saved per worker test; the worker consumes exactly as in production otherwise).
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "polling_interval": 0.1}  # noqa: F405
# The test client stands in for the web process, with its statement timeout.
DATABASES["default"]["OPTIONS"]["options"] = DATABASES["default"]["OPTIONS"]["options"].replace(  # noqa: F405
    "statement_timeout=0", "statement_timeout=15000"
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False
# Close connections after each request/task, so threads (live server, Celery worker) never keep
# the test database open when it is dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Tests never read from a replica named in the environment (its database is not the test
# database); kpi/tests/test_replica.py starts a replica of the test database of its own.
DATABASES.pop("reports", None)  # noqa: F405
