"""An advisor at work in a real browser: finds a customer by a plate fragment, opens the file,
reveals the number, attaches a document."""
import pytest
from playwright.sync_api import expect

from aftersales.tests.factories import TEST_PASSWORD, CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.models import MobileReveal, ServiceDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def customer(store_a):
    customer = CustomerFactory(store=store_a, name="欧阳娜娜", mobile="13512345678")
    ServiceVisitFactory(vehicle=VehicleFactory(owner=customer, plate="沪A8K321"), declined_work="建议更换轮胎")
    return customer


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/")


def test_advisor_finds_a_customer_by_plate_fragment_and_works_the_file(page, personas, customer, tmp_path):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, "advisor_a")
    page.fill("[data-testid=nav-search]", "a8k")
    page.press("[data-testid=nav-search]", "Enter")
    results = page.locator("[data-testid=search-results]")
    expect(results).to_contain_text("欧阳娜娜")
    # Typing more narrows the results live, without a page load.
    page.fill("#customer-search", "a8k3")
    expect(results).to_contain_text("沪A8K321")
    results.get_by_text("欧阳娜娜").click()
    expect(page.locator("h1")).to_have_text("欧阳娜娜")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("建议更换轮胎")

    mobile = page.locator("[data-testid=mobile]")
    expect(mobile).to_contain_text("135****5678")
    page.click("[data-testid=reveal-mobile]")
    expect(mobile).to_contain_text("13512345678")
    assert MobileReveal.objects.filter(customer=customer).count() == 1

    page.get_by_role("link", name="上传资料").click()
    scan = tmp_path / "结算单.pdf"
    scan.write_bytes(PDF)
    page.select_option("#id_kind", "settlement")
    page.set_input_files("#id_file", str(scan))
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-testid=timeline]")).to_contain_text("结算单.pdf")
    assert ServiceDocument.objects.get().original_name == "结算单.pdf"
    assert errors == []
