"""The choice field of the visit forms that limits its queryset: the assignment's agent."""
import pytest

from visits.forms import AssignForm

pytestmark = pytest.mark.django_db


def test_assignment_accepts_an_agent_of_the_store_only(make_user, store_a, store_b):
    agent = make_user("cs_agent", [store_a])
    accepted = AssignForm({"agent": agent.pk}, store=store_a)
    assert accepted.is_valid(), accepted.errors
    assert accepted.cleaned_data["agent"] == agent
    for refused_user in (make_user("cs_agent", [store_b]), make_user("advisor", [store_a])):
        refused = AssignForm({"agent": refused_user.pk}, store=store_a)
        assert not refused.is_valid() and "agent" in refused.errors
