"""Shared fixtures: stores, personas (one per role, plus one with no access), a real Celery
worker and a real browser."""
import os
import shutil

import pytest

from aftersales.roles import ROLES

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
