"""End to end in Debian's chromium: logging in per role, the language switch, the lockout."""
import re

import pytest
from playwright.sync_api import expect

from aftersales.tests.factories import TEST_PASSWORD
from aftersales.tests.test_navigation import EXPECTED
from conftest import ROLE_NAMES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGIN_BUTTON = "form[action$='/accounts/login/'] button[type=submit]"


@pytest.fixture
def console_errors(page):
    """Errors the page logs: CSP violations (inline code), missing files, script errors."""
    seen = []
    page.on("console", lambda message: seen.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(LOGIN_BUTTON)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_each_role_logs_in_and_sees_its_navigation(page, personas, console_errors, role):
    log_in(page, f"{role}_a", TEST_PASSWORD)
    page.wait_for_url("**/")
    keys = page.locator("[data-testid=main-nav] [data-nav]").evaluate_all(
        "links => links.map(link => link.dataset.nav)"
    )
    assert keys == EXPECTED[role]
    assert page.evaluate("typeof htmx") == "object"
    assert console_errors == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_the_navigation_bar_fits_on_one_line(page, personas, role, language):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, f"{role}_a", TEST_PASSWORD)
    page.wait_for_url("**/")
    if language == "en":
        page.locator("[data-testid=language-switch] button[value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    tops = page.locator("[data-testid=main-nav] > li").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1
    # The whole bar, not only the menu: brand, menus, search box, language switch and user menu
    # on one line, none of them wrapping inside itself.
    boxes = page.locator("nav.navbar .navbar-brand, #main-nav > *, [data-testid=main-nav] > li").evaluate_all(
        "items => items.map(item => { const r = item.getBoundingClientRect();"
        " return {text: item.innerText.trim().slice(0, 40), top: r.top, bottom: r.bottom, height: r.height}; })"
    )
    line_top, line_bottom = min(b["top"] for b in boxes), max(b["bottom"] for b in boxes)
    assert line_bottom - line_top < 48, [(b["text"].replace("\n", "|")[:30], b["top"], b["bottom"]) for b in boxes]


def test_a_menu_opens_on_click_and_leads_to_its_page(page, personas):
    log_in(page, "cs_supervisor_a", TEST_PASSWORD)
    page.wait_for_url("**/")
    page.click("[data-nav-group=complaints]")
    page.click("[data-nav=triage]")
    page.wait_for_url("**/complaints/triage/")
    expect(page.locator("[data-nav-group=complaints]")).to_have_class(re.compile("active"))


def test_user_menu_logs_out(page, personas):
    log_in(page, "advisor_a", TEST_PASSWORD)
    page.wait_for_url("**/")
    page.click("[data-testid=user-menu]")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")
    assert page.locator("#id_username").is_visible()


def test_language_switch_changes_the_page_language(page, personas):
    log_in(page, "cs_agent_a", TEST_PASSWORD)
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("link", name="工作台").is_visible()
    page.locator("[data-testid=language-switch] button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Workbench")).to_be_visible()
    page.locator("[data-testid=language-switch] button[value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("link", name="工作台")).to_be_visible()


def test_five_wrong_passwords_lock_the_account(page, personas):
    for _ in range(5):
        log_in(page, "advisor_a", "not-the-password")
    expect(page.locator("[data-testid=locked-out]")).to_be_visible()
    expect(page.locator("[data-testid=locked-out]")).to_contain_text("登录失败次数过多")
    log_in(page, "advisor_a", TEST_PASSWORD)
    expect(page.locator("[data-testid=locked-out]")).to_be_visible()
