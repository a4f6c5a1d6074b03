"""One switch between a page and the part htmx swaps in: every list that has both answers htmx
with the part only, and says its answer varies on HX-Request."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LISTS = [
    ("cs_supervisor", "complaints:list", "complaints/partials/list_rows.html"),
    ("cs_agent", "visits:queue", "visits/partials/queue_body.html"),
    ("advisor", "customers:list", "customers/partials/customer_rows.html"),
    ("advisor", "appointments:day_book", "appointments/partials/day_book_body.html"),
]


@pytest.mark.parametrize(("role", "name", "partial"), LISTS)
def test_htmx_gets_only_the_part_and_the_answer_varies_on_it(client, personas, role, name, partial):
    client.force_login(personas[role])
    page = client.get(reverse(name))
    part = client.get(reverse(name), HTTP_HX_REQUEST="true")
    assert page.status_code == part.status_code == 200
    assert partial in [t.name for t in part.templates] and "base.html" not in [t.name for t in part.templates]
    assert "base.html" in [t.name for t in page.templates]
    for response in (page, part):
        assert "HX-Request" in response["Vary"]
