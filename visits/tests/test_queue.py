"""The callback queue: "next call" claims one follow-up with a lease, in queue order, and never
gives one call to two agents; supervisors assign calls to agents."""
import datetime as dt
import queue
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from aftersales.tests.concurrency import run_concurrently
from aftersales.tests.factories import CustomerFactory, FollowUpFactory, ServiceVisitFactory, VehicleFactory
from visits.models import FollowUp
from visits.services import assign, claim_next, create_followups, record_attempt, release, release_stale_claims

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 2)
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


def minutes(n):
    return dt.timedelta(minutes=n)


@pytest.fixture
def agents(make_user, store_a):
    return [make_user("cs_agent", [store_a], username=f"agent{n}") for n in range(3)]


@pytest.mark.django_db
def test_next_call_takes_overdue_calls_first_then_the_higher_priority(store_a, agents):
    today_low = FollowUpFactory(store=store_a, due_on=DAY, priority=0)
    today_high = FollowUpFactory(store=store_a, due_on=DAY, priority=2)
    overdue_low = FollowUpFactory(store=store_a, due_on=DAY - dt.timedelta(days=1), priority=0)
    claimed = [claim_next(agent=agent, now=NOW) for agent in agents]
    assert claimed == [overdue_low, today_high, today_low]


@pytest.mark.django_db
def test_warranty_cars_loyal_customers_and_major_overhauls_are_called_first(store_a):
    closed = dt.datetime.combine(DAY - dt.timedelta(days=3), dt.time(16), tzinfo=SHANGHAI)

    def visit(repair_type="maintenance", warranty_end=None, loyalty_tier="new"):
        customer = CustomerFactory(store=store_a, loyalty_tier=loyalty_tier)
        vehicle = VehicleFactory(owner=customer, warranty_end=warranty_end)
        return ServiceVisitFactory(vehicle=vehicle, repair_type=repair_type,
                                   opened_at=closed - dt.timedelta(hours=4), closed_at=closed)

    plain = visit()
    in_warranty = visit(warranty_end=DAY + dt.timedelta(days=365))
    warranty_ran_out = visit(warranty_end=DAY - dt.timedelta(days=1))
    loyal = visit(loyalty_tier="loyal")
    both = visit(warranty_end=DAY + dt.timedelta(days=365), loyalty_tier="loyal")
    warranty_work = visit("warranty")
    create_followups(day=DAY)
    visits = [plain, in_warranty, warranty_ran_out, loyal, both, warranty_work]
    assert [v.followups.get().priority for v in visits] == [0, 1, 0, 1, 2, 1]


@pytest.mark.django_db
def test_major_overhauls_outrank_routine_maintenance(store_a):
    closed = dt.datetime.combine(DAY - dt.timedelta(days=10), dt.time(16), tzinfo=SHANGHAI)
    overhaul = ServiceVisitFactory(vehicle=VehicleFactory(owner=CustomerFactory(store=store_a)),
                                   repair_type="major_overhaul", opened_at=closed - dt.timedelta(hours=4),
                                   closed_at=closed)
    create_followups(day=DAY)
    assert overhaul.followups.get().priority == 2


@pytest.mark.django_db
def test_an_agent_holding_a_call_gets_it_back_instead_of_a_second(store_a, agents):
    first = FollowUpFactory(store=store_a, due_on=DAY)
    FollowUpFactory(store=store_a, due_on=DAY)
    assert claim_next(agent=agents[0], now=NOW) == first
    again = claim_next(agent=agents[0], now=NOW + minutes(5))
    assert again == first
    assert FollowUp.objects.filter(claimed_by=agents[0]).count() == 1


@pytest.mark.django_db
def test_a_claim_holds_for_the_lease(store_a, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    claim_next(agent=agents[0], now=NOW)
    followup.refresh_from_db()
    assert followup.claimed_by == agents[0] and followup.claimed_until == NOW + minutes(20)
    assert claim_next(agent=agents[1], now=NOW + minutes(19)) is None


@pytest.mark.django_db(transaction=True)
def test_agents_pressing_next_call_at_once_never_get_the_same_call(store_a, make_user):
    followups = [FollowUpFactory(store=store_a, due_on=DAY) for _ in range(20)]
    pool = queue.SimpleQueue()
    for n in range(10):
        pool.put(make_user("cs_agent", [store_a], username=f"agent{n}"))

    def work_the_queue():
        agent, taken = pool.get(), []
        while (followup := claim_next(agent=agent, now=NOW)) is not None:
            taken.append(followup.pk)
            # Not reached: the call waits two hours, so the agent's next press takes another.
            record_attempt(followup_id=followup.pk, agent=agent, outcome="no_answer", now=NOW)
        return taken

    results, errors = run_concurrently(work_the_queue, 10)
    assert errors == []
    taken = [pk for per_agent in results for pk in per_agent]
    assert sorted(taken) == sorted(f.pk for f in followups)  # each exactly once
    assert sum(1 for per_agent in results if per_agent) > 1  # the agents really worked side by side


@pytest.mark.django_db
def test_a_claim_not_finished_within_the_lease_returns_to_the_queue(store_a, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    assert claim_next(agent=agents[0], now=NOW) == followup
    assert claim_next(agent=agents[1], now=NOW + minutes(21)) == followup
    followup.refresh_from_db()
    assert followup.claimed_by == agents[1]
    # The first agent's claim is gone: pressing "next call" does not hand it back to them.
    assert claim_next(agent=agents[0], now=NOW + minutes(22)) is None


@pytest.mark.django_db
def test_releasing_stale_claims_clears_only_expired_ones(store_a, agents):
    stale = FollowUpFactory(store=store_a, due_on=DAY)
    live = FollowUpFactory(store=store_a, due_on=DAY)
    claim_next(agent=agents[0], now=NOW)
    claim_next(agent=agents[1], now=NOW + minutes(15))
    assert release_stale_claims(now=NOW + minutes(25)) == 1
    stale.refresh_from_db()
    live.refresh_from_db()
    assert (stale.claimed_by, stale.claimed_until) == (None, None)
    assert live.claimed_by == agents[1] and live.claimed_until == NOW + minutes(35)


@pytest.mark.django_db
def test_an_agent_hands_back_their_own_call_only(store_a, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    claim_next(agent=agents[0], now=NOW)
    with pytest.raises(ValidationError):
        release(followup=followup, agent=agents[1])
    followup.refresh_from_db()
    assert followup.claimed_by == agents[0]
    release(followup=followup, agent=agents[0])
    followup.refresh_from_db()
    assert followup.claimed_by is None
    assert claim_next(agent=agents[1], now=NOW + minutes(1)) == followup


@pytest.mark.django_db
def test_a_call_assigned_by_a_supervisor_goes_to_that_agent_only(store_a, personas, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    assign(followup=followup, agent=agents[0], by=personas["cs_supervisor"])
    assert claim_next(agent=agents[1], now=NOW) is None
    assert claim_next(agent=agents[0], now=NOW) == followup


@pytest.mark.django_db
def test_an_agent_is_not_a_supervisor_and_assigns_nothing(store_a, personas, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    with pytest.raises(ValidationError):
        assign(followup=followup, agent=agents[0], by=personas["cs_agent"])
    followup.refresh_from_db()
    assert followup.assigned_to is None


@pytest.mark.django_db
def test_a_call_is_not_assigned_to_an_agent_of_another_store(store_a, store_b, personas, make_user):
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    elsewhere = make_user("cs_agent", [store_b])
    with pytest.raises(ValidationError):
        assign(followup=followup, agent=elsewhere, by=personas["cs_supervisor"])
    followup.refresh_from_db()
    assert followup.assigned_to is None


@pytest.mark.django_db
def test_a_supervisor_of_another_store_assigns_none_of_this_store_s_calls(store_a, store_b, make_user, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    with pytest.raises(ValidationError):
        assign(followup=followup, agent=agents[0], by=make_user("cs_supervisor", [store_b]))
    followup.refresh_from_db()
    assert followup.assigned_to is None


@pytest.mark.django_db
def test_a_finished_call_is_not_assigned(store_a, personas, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY, status="done")
    with pytest.raises(ValidationError):
        assign(followup=followup, agent=agents[0], by=personas["cs_supervisor"])


@pytest.mark.django_db
def test_re_assigning_takes_a_live_claim_away(store_a, personas, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    claim_next(agent=agents[0], now=NOW)
    assign(followup=followup, agent=agents[1], by=personas["cs_supervisor"])
    followup.refresh_from_db()
    assert (followup.assigned_to, followup.claimed_by, followup.claimed_until) == (agents[1], None, None)
    assert claim_next(agent=agents[0], now=NOW + minutes(1)) is None
    assert claim_next(agent=agents[1], now=NOW + minutes(1)) == followup


@pytest.mark.django_db
def test_a_call_waiting_for_its_retry_time_is_skipped_until_then(store_a, agents):
    followup = FollowUpFactory(store=store_a, due_on=DAY, next_call_at=NOW + dt.timedelta(hours=1))
    assert claim_next(agent=agents[0], now=NOW) is None
    assert claim_next(agent=agents[0], now=NOW + dt.timedelta(hours=1)) == followup


@pytest.mark.django_db
def test_calls_due_tomorrow_are_not_in_today_s_queue(store_a, agents):
    FollowUpFactory(store=store_a, due_on=DAY + dt.timedelta(days=1))
    assert claim_next(agent=agents[0], now=NOW) is None
    late_evening = dt.datetime.combine(DAY, dt.time(23, 59), tzinfo=SHANGHAI)
    assert claim_next(agent=agents[0], now=late_evening) is None


@pytest.mark.django_db
def test_another_store_s_calls_are_never_claimed(store_a, store_b, agents):
    FollowUpFactory(store=store_b, due_on=DAY)
    assert claim_next(agent=agents[0], now=NOW) is None
