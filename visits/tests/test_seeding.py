"""The demo stores get two weeks of calls made through the real services, once."""
import pytest
from django.core.management import call_command

from visits.models import CallAttempt, FollowUp

pytestmark = pytest.mark.django_db


def test_demo_has_a_call_history_and_a_second_seed_adds_none(capsys):
    call_command("seed_demo")
    attempts = CallAttempt.objects.count()
    followups = FollowUp.objects.count()
    assert attempts > 0 and FollowUp.objects.filter(status="done").exists()
    call_command("seed_demo")
    assert (CallAttempt.objects.count(), FollowUp.objects.count()) == (attempts, followups)
