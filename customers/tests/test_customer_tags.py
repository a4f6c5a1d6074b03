"""Customer tags: typed on the customer's form as one line, kept as a list, shown on the file,
kept through a merge (and a campaign segment picks customers by them: visits' campaign tests)."""
import pytest
from django.urls import reverse

from aftersales.tests.factories import CustomerFactory
from customers.forms import split_tags
from customers.services import merge_customers

pytestmark = pytest.mark.django_db


def edit(client, customer, tags):
    return client.post(reverse("customers:edit", args=[customer.pk]), {
        "name": customer.name, "mobile": customer.mobile, "source": customer.source,
        "preferred_language": customer.preferred_language, "tags": tags,
    })


def test_tags_are_split_on_half_and_full_width_commas_and_repeats_dropped():
    assert split_tags(" 车友会，VIP, 团购、vip ;; ") == ["车友会", "VIP", "团购"]


def test_an_advisor_tags_a_customer_and_the_file_shows_the_tags(client, personas, store_a):
    customer = CustomerFactory(store=store_a)
    client.force_login(personas["advisor"])
    assert edit(client, customer, "车友会，VIP").status_code == 302
    customer.refresh_from_db()
    assert customer.tags == ["车友会", "VIP"]
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "车友会" in page and 'data-testid="tags"' in page


def test_a_tag_longer_than_twenty_characters_is_refused_and_nothing_saved(client, personas, store_a):
    customer = CustomerFactory(store=store_a)
    client.force_login(personas["advisor"])
    response = edit(client, customer, "车友会, " + "长" * 21)
    assert response.status_code == 200
    assert response.context["form"].errors["tags"]
    customer.refresh_from_db()
    assert customer.tags == []


def test_a_merge_keeps_the_tags_of_both_files(store_a, personas):
    kept = CustomerFactory(store=store_a, tags=["VIP"])
    merged = CustomerFactory(store=store_a, tags=["车友会", "VIP"])
    merge_customers(kept=kept, merged=merged, by=personas["cs_supervisor"])
    kept.refresh_from_db()
    assert kept.tags == ["VIP", "车友会"]
