"""The demo stores get complaints in every state, moved by the real services, once."""
import pytest
from django.core.management import call_command

from complaints.models import Complaint, ComplaintTransition

pytestmark = pytest.mark.django_db


def test_demo_has_complaints_in_every_state_and_a_second_seed_adds_none(capsys):
    call_command("seed_demo")
    states = set(Complaint.objects.filter(store__code="bj").values_list("status", flat=True))
    assert states >= {"new", "assigned", "answered", "closed", "cancelled"}
    reopened = Complaint.objects.get(store__code="bj", channel="manufacturer")
    assert (reopened.status, reopened.rounds, reopened.severity) == ("assigned", 2, "major")
    counts = (Complaint.objects.count(), ComplaintTransition.objects.count())
    call_command("seed_demo")
    assert (Complaint.objects.count(), ComplaintTransition.objects.count()) == counts
