"""A manager's campaign in a real browser: a segment counted, the campaign created and sent, its
progress followed while a real worker queues it, and a customer who got it opened."""
import pytest
from playwright.sync_api import expect

from aftersales.tests.factories import CustomerFactory, VehicleFactory
from customers.services import record_consent
from customers.tests.test_browser_customers import log_in
from visits.models import Campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sends_a_campaign_to_loyal_customers_and_watches_it_queue(page, personas, store_a,
                                                                              celery_worker):
    for n in range(6):
        customer = CustomerFactory(store=store_a, name=f"忠诚客户{n}", loyalty_tier="loyal" if n < 4 else "regular")
        VehicleFactory(owner=customer)
        record_consent(customer=customer, channel="marketing", granted=True, method="signed_form", by=None)
    log_in(page, "manager_a")
    page.click("[data-nav-group=calls]")
    page.click("[data-nav=campaigns]")
    page.click("[data-testid=new-campaign]")
    page.check("input[name=tiers][value=loyal]")
    page.click("[data-testid=count-segment]")
    expect(page.locator("[data-testid=segment-preview]")).to_contain_text("4")
    expect(page.locator("[data-testid=segment-sample] li")).to_have_count(4)
    page.fill("input[name=name]", "爱车讲堂")
    page.fill("textarea[name=text]", "本周六爱车讲堂，免费检测")
    page.click("[data-testid=create-campaign]")
    expect(page.locator("[data-testid=segment-count]")).to_contain_text("4")
    page.click("[data-testid=send-campaign]")
    expect(page.locator("[data-testid=campaign-status]")).to_have_text(str(Campaign.Status.QUEUED.label),
                                                                        timeout=20_000)
    expect(page.locator("[data-testid=figure-queued]")).to_have_text("4")
    page.reload()
    page.locator("[data-testid=recipients] a").first.click()
    expect(page.locator("[data-testid=customer-care]")).to_contain_text("爱车讲堂")
