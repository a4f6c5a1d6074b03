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


def test_demo_has_care_occasions_and_campaigns_and_a_second_seed_adds_none():
    from visits.models import Campaign, CareOccasion, VehicleServiceDue

    call_command("seed_demo")
    occasions, campaigns = CareOccasion.objects.count(), Campaign.objects.count()
    assert VehicleServiceDue.objects.exists() and occasions > 0
    assert Campaign.objects.filter(status="queued").exists() and Campaign.objects.filter(status="draft").exists()
    call_command("seed_demo")
    assert (CareOccasion.objects.count(), Campaign.objects.count()) == (occasions, campaigns)
