"""An advisor at work in a real browser: finds a customer by a plate fragment, opens the file,
reveals the number, attaches a document."""
import pytest
from playwright.sync_api import expect

from aftersales.tests.factories import TEST_PASSWORD, CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.models import MobileReveal, ServiceDocument, ServiceVisit, Vehicle

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
    VehicleFactory(owner=CustomerFactory(store=customer.store, name="司马光"), plate="沪A8K999")
    log_in(page, "advisor_a")
    page.fill("[data-testid=nav-search]", "a8k")
    page.press("[data-testid=nav-search]", "Enter")
    results = page.locator("[data-testid=search-results]")
    expect(results).to_contain_text("欧阳娜娜")
    expect(results).to_contain_text("司马光")
    # Typing more narrows the results live, without a page load (and without leaving the page).
    page.fill("#customer-search", "a8k3")
    expect(results).not_to_contain_text("司马光")
    expect(results).to_contain_text("沪A8K321")
    # Sending a search with exactly one match opens the file.
    page.press("#customer-search", "Enter")
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


def test_older_repair_orders_come_into_the_timeline_without_leaving_the_page(page, personas, customer):
    from customers.selectors import TIMELINE_PAGE

    vehicle = customer.vehicles.get()
    for _ in range(TIMELINE_PAGE):
        ServiceVisitFactory(vehicle=vehicle)
    log_in(page, "advisor_a")
    page.goto(f"/customers/{customer.pk}/")
    entries = page.locator("[data-testid=timeline] > li")
    expect(entries).to_have_count(TIMELINE_PAGE)
    page.evaluate("window.notReloaded = true")
    page.click("[data-testid=timeline-older]")
    expect(entries).to_have_count(TIMELINE_PAGE + 1)
    # The oldest repair order, the one with the declined work, is the last entry.
    expect(entries.last).to_contain_text("建议更换轮胎")
    expect(page.locator("[data-testid=timeline-older]")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True


def test_advisor_imports_a_dms_export_through_the_mapping_step(page, personas, store_a, tmp_path):
    # A DMS export as Chinese Excel saves CSV: GBK, the DMS's own headers, an unknown column.
    export = tmp_path / "工单导出.csv"
    export.write_bytes(
        "委托书号,车牌,车架号,进厂日期,结算日期,维修类型,服务顾问,行驶里程,车主,手机,备用栏\n"
        "WT-1001,京A·66881,1M8GDM9AXKP042788,2026-11-02 09:10,2026-11-02 15:30,保养,张伟,32100,赵敏,13700001111,x\n"
        "WT-1002,京a66882,,2026/11/03,2026/11/03,小修,张伟,18050,钱立,13700002222,y\n"
        "WT-1003,,BADVIN,2026-11-04,2026-11-04,保养,张伟,5000,孙红,13700003333,z\n".encode("gbk")
    )
    log_in(page, "advisor_a")
    page.get_by_role("button", name="系统").click()
    page.get_by_role("link", name="DMS导入").click()
    page.set_input_files("input[type=file]", str(export))
    page.locator("[data-testid=import-upload] button[type=submit]").click()
    mapping = page.locator("[data-testid=import-mapping]")
    expect(mapping).to_be_visible()
    # The synonyms matched the DMS's headers; the user confirms.
    expect(mapping.locator("select").first).not_to_have_value("")
    mapping.get_by_role("button").first.click()
    summary = page.locator("[data-testid=import-summary]")
    expect(summary.locator("[data-count=new]")).to_have_text("2")
    expect(summary.locator("[data-count=errors]")).to_have_text("1")
    expect(page.locator("[data-testid=import-errors]")).to_contain_text("BADVIN")
    page.click("[data-testid=import-commit]")
    expect(page.locator("h1")).to_have_text("导入完成")
    assert ServiceVisit.objects.filter(store=store_a).count() == 2
    assert Vehicle.objects.get(plate="京A66881").owner.name == "赵敏"
