"""After saving a call the agent goes straight on to the next one, and a dissatisfied answer
says which complaint it opened."""
import re

import pytest
from django.urls import reverse

from complaints.models import Complaint
from visits.models import CallAttempt, FollowUp
from visits.tests.test_views import due_call

pytestmark = pytest.mark.django_db


def submit_buttons(body):
    form = body[body.index('data-testid="call-form"'):]
    form = form[:form.index("</form>")]
    return re.findall(r'<button[^>]*type="submit"[^>]*>', form)


def test_save_and_next_is_the_agents_first_button(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    buttons = submit_buttons(client.get(reverse("visits:call", args=[followup.pk])).content.decode())
    assert len(buttons) == 2
    assert 'name="then" value="next"' in buttons[0] and "btn-primary" in buttons[0]


def test_save_and_next_records_the_call_and_opens_the_next_one_claimed(client, personas, store_a):
    first, second = due_call(store_a, days_ago=5), due_call(store_a)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:next_call"))
    response = client.post(reverse("visits:record_call", args=[first.pk]), {"outcome": "no_answer", "then": "next"})
    assert response.status_code == 302 and response.url == reverse("visits:call", args=[second.pk])
    second.refresh_from_db()
    assert second.claimed_by == personas["cs_agent"]
    assert CallAttempt.objects.get().followup_id == first.pk


def test_save_and_next_with_an_empty_queue_goes_back_to_the_queue(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:next_call"))
    response = client.post(reverse("visits:record_call", args=[followup.pk]),
                           {"outcome": "wrong_number", "then": "next"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("visits:queue")
    assert not FollowUp.objects.filter(claimed_by__isnull=False).exists()


def test_plain_save_goes_back_to_the_queue_without_claiming(client, personas, store_a):
    first, second = due_call(store_a, days_ago=5), due_call(store_a)
    client.force_login(personas["cs_agent"])
    response = client.post(reverse("visits:record_call", args=[first.pk]), {"outcome": "busy"})
    assert response.url == reverse("visits:queue")
    second.refresh_from_db()
    assert second.claimed_by is None


def test_a_refused_save_claims_nothing(client, personas, store_a):
    first, second = due_call(store_a, days_ago=5), due_call(store_a)
    client.force_login(personas["cs_agent"])
    response = client.post(reverse("visits:record_call", args=[first.pk]), {"outcome": "reached", "then": "next"})
    assert response.status_code == 400
    second.refresh_from_db()
    assert second.claimed_by is None and not CallAttempt.objects.exists()


def test_a_dissatisfied_answer_names_the_complaint_it_opened_with_a_link(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:next_call"))
    response = client.post(reverse("visits:record_call", args=[followup.pk]), {
        "outcome": "reached", "overall": "2", "comment": "等太久了", "then": "next",
    }, follow=True)
    complaint = Complaint.objects.get()
    body = response.content.decode()
    assert complaint.number.startswith("A-")
    link = f'<a href="{reverse("complaints:detail", args=[complaint.pk])}"'
    assert link in body and complaint.number in body
    assert "已生成投诉" in body


def test_a_satisfied_answer_mentions_no_complaint(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    response = client.post(reverse("visits:record_call", args=[followup.pk]), {
        "outcome": "reached", "overall": "5", "booking": "5", "advisor": "5", "repair_quality": "5",
        "fixed_right": "yes", "timeliness": "5", "facility": "5", "pickup_price": "5",
    }, follow=True)
    assert "已生成投诉" not in response.content.decode() and not Complaint.objects.exists()
