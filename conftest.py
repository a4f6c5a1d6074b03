"""Shared fixtures: stores, personas (one per role, plus one with no access), a real Celery
worker and a real browser; the test database (migrated once, copied per process, reset fast
after transactional tests: aftersales/testing/database.py); the count of tests that ran against
a floor (aftersales/testing/floor.py)."""
import os
import shutil
import sys

import pytest

from aftersales.roles import ROLES

pytest_plugins = ["aftersales.testing.floor"]

ROLE_NAMES = list(ROLES)


@pytest.fixture
def store_a(db):
    from aftersales.tests.factories import StoreFactory

    return StoreFactory(code="a", name="甲店")


@pytest.fixture
def store_b(db):
    from aftersales.tests.factories import StoreFactory

    return StoreFactory(code="b", name="乙店")


@pytest.fixture
def make_user(db):
    from aftersales.tests.factories import UserFactory

    def make(role=None, stores=(), **fields):
        return UserFactory(role=role, stores=list(stores), **fields)

    return make


@pytest.fixture
def personas(make_user, store_a):
    """One user per role, all working at store A."""
    return {role: make_user(role, [store_a], username=f"{role}_a") for role in ROLE_NAMES}


@pytest.fixture
def nobody(make_user):
    """A logged-in user with no role and no store: sees nothing."""
    return make_user(None, [], username="nobody")


@pytest.fixture(scope="session", autouse=True)
def _empty_test_redis_database():
    """Each run starts with this process's own Redis database (settings/test.py) empty: rate
    counters, cache entries and queued tasks of an earlier run never reach this one."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language. A request through the test client leaves
    its language active in the test's thread (LocaleMiddleware activates it there), so in random
    order a test after an English request read English labels where the page spoke Chinese."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- Celery: a real worker consuming the test broker ----------------------------------------
@pytest.fixture
def celery_worker(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from aftersales.celery import app

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


# --- Browser: Playwright driving Debian's chromium ------------------------------------------
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path():
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("BROWSER_TESTS_REQUIRED"):
            pytest.fail(f"{message}; browser tests are required here")
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django's ORM in the same thread
    # is still used synchronously by the tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# --- The test database: migrated once, one copy per process, reset fast ----------------------
@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_createdb,
                    django_db_modify_db_settings):
    """Replaces pytest-django's: each process (each xdist worker) gets a copy of one migrated
    template database, and transactional tests put back only what they changed."""
    from django.db import connections
    from django.test import TransactionTestCase

    from aftersales.testing import database as testdb

    def log(message):
        print(f"[test] {message}", file=sys.__stderr__, flush=True)

    with django_db_blocker.unblock():
        original_name = testdb.create_test_database(
            "default", rebuild=django_db_createdb, verbosity=request.config.option.verbose, log=log
        )
        baseline = testdb.BASELINES["default"] = testdb.Baseline(connections["default"])

    flush = TransactionTestCase._fixture_teardown

    def put_back_the_migrated_state(test_case):
        if (test_case.available_apps is not None or test_case.serialized_rollback
                or set(test_case._databases_names(include_mirrors=False)) != {"default"}):
            return flush(test_case)
        baseline.restore(connections["default"])

    TransactionTestCase._fixture_teardown = put_back_the_migrated_state
    try:
        yield
    finally:
        TransactionTestCase._fixture_teardown = flush
        testdb.BASELINES.pop("default", None)
        with django_db_blocker.unblock():
            testdb.destroy_test_database("default", original_name)
