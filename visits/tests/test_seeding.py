"""The demo stores get two weeks of calls made through the real services, once."""
import pytest
from django.core.management import call_command

from visits.models import CallAttempt, FollowUp, FollowUpRule

pytestmark = pytest.mark.django_db


def test_demo_has_a_call_history_and_a_second_seed_adds_none(capsys):
    call_command("seed_demo")
    attempts = CallAttempt.objects.count()
    followups = FollowUp.objects.count()
    assert attempts > 0 and FollowUp.objects.filter(status="done").exists()
    call_command("seed_demo")
    assert (CallAttempt.objects.count(), FollowUp.objects.count()) == (attempts, followups)


def test_each_demo_store_opens_on_a_mornings_work(capsys):
    """20–40 return-visit calls due today in each demo store's queue, some overdue, some call-backs,
    beside the other kinds of call the other modules put there (confirmations, renewals, recalls)."""
    import datetime as dt

    from django.utils import timezone

    from aftersales.models import Store

    call_command("seed_demo")
    today = timezone.localdate()
    for store in Store.objects.filter(code__in=["bj", "sh"]):
        whole_queue = FollowUp.objects.in_queue().filter(store=store, due_on__lte=today)
        queue = whole_queue.filter(rule__trigger=FollowUpRule.Trigger.REPAIR_TYPE)
        assert whole_queue.exclude(rule__trigger=FollowUpRule.Trigger.REPAIR_TYPE).exists()
        print(store.code, queue.count(), queue.filter(due_on__lt=today).count(),
              CallAttempt.objects.filter(store=store, outcome="call_back", followup__in=queue).count())
        assert 20 <= queue.count() <= 40
        assert queue.filter(due_on__lt=today).count() >= 3
        call_backs = queue.filter(attempts__outcome="call_back", next_call_at__date__lte=today + dt.timedelta(days=0))
        assert call_backs.distinct().count() >= 2
        # Earlier unanswered attempts: the agent sees retries too.
        assert queue.filter(attempt_count__gt=0).exists()


def test_demo_has_care_occasions_and_campaigns_and_a_second_seed_adds_none():
    from visits.models import Campaign, CareOccasion, VehicleServiceDue

    call_command("seed_demo")
    occasions, campaigns = CareOccasion.objects.count(), Campaign.objects.count()
    assert VehicleServiceDue.objects.exists() and occasions > 0
    assert Campaign.objects.filter(status="queued").exists() and Campaign.objects.filter(status="draft").exists()
    call_command("seed_demo")
    assert (CareOccasion.objects.count(), Campaign.objects.count()) == (occasions, campaigns)


def test_the_demo_s_call_backs_are_due_later_today_even_when_seeded_late_in_the_evening(store_a, personas):
    """Seeded at 23:10, "call me back later" still lands in today's queue (it fell on the next
    day when the seed added up to three hours)."""
    import datetime as dt
    import random
    import zoneinfo

    from aftersales.tests.factories import FollowUpFactory

    from ..seeding import CALL_BACKS, _start_this_morning

    zone = zoneinfo.ZoneInfo(store_a.time_zone)
    late = dt.datetime(2026, 11, 2, 23, 10, tzinfo=zone)
    for _ in range(CALL_BACKS + 3):
        FollowUpFactory(store=store_a, due_on=late.date())
    _start_this_morning(store_a, personas["cs_agent"], random.Random(7), now=late)
    call_backs = FollowUp.objects.filter(attempts__outcome="call_back").distinct()
    assert call_backs.count() == CALL_BACKS
    assert all(late < followup.next_call_at and followup.next_call_at.astimezone(zone).date() == late.date()
               for followup in call_backs)
