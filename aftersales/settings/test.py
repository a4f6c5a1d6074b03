"""Test flavour: the dev flavour on its own Redis database, with fast password hashing."""
from .env import celery_broker_url, env_int, redis_with_db
from .dev import *  # noqa: F401,F403
from .dev import CACHES, REDIS_URL

# Tests keep to their own logical database (TEST_REDIS_DB lets parallel runs keep apart).
REDIS_URL = redis_with_db(REDIS_URL, env_int("TEST_REDIS_DB", 15))
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "aftersales-test"
CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
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
