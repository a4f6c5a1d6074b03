"""Working the queue: "next call" claims one follow-up for one agent with a lease.

The claim is a row lock taken with SKIP LOCKED inside one short transaction: two agents pressing
"next call" at the same moment lock different rows, and a claim whose lease ran out is free
again for anyone (the periodic release only tidies the columns up).
"""
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.scoping import visible_stores

from ..models import CallPolicy, FollowUp


def queue_stores(user) -> list[int]:
    return [store.pk for store in visible_stores(user, active_only=True)]


def CALLABLE(now) -> Q:  # noqa: N802 - a condition, named like one
    """Calls that may be dialled at `now`: not waiting for a retry, not held by a live claim."""
    return (Q(next_call_at__isnull=True) | Q(next_call_at__lte=now)) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


def callable_now(queryset, now):
    return queryset.filter(CALLABLE(now))


def current_claim(agent, now=None):
    now = now or timezone.now()
    return (
        FollowUp.objects.in_queue()
        .filter(claimed_by=agent, claimed_until__gt=now)
        .order_by("claimed_until")
        .first()
    )


def claim_next(*, agent, store_ids=None, now=None) -> FollowUp | None:
    """Claim the first callable follow-up of the agent's stores for `agent`, or None when the
    queue is empty. An agent holding an unfinished call gets that one back, not a second."""
    now = now or timezone.now()
    stores = queue_stores(agent) if store_ids is None else store_ids
    today = timezone.localdate(now)
    with transaction.atomic():
        held = current_claim(agent, now)
        if held is not None:
            return held
        candidates = callable_now(
            FollowUp.objects.in_queue().filter(store_id__in=stores, due_on__lte=today), now
        ).filter(Q(assigned_to__isnull=True) | Q(assigned_to=agent))
        followup = (
            candidates.order_by("due_on", "-priority", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if followup is None:
            return None
        lease = dt.timedelta(minutes=CallPolicy.for_store(followup.store_id).lease_minutes)
        followup.claimed_by = agent
        followup.claimed_until = now + lease
        followup.save(update_fields=["claimed_by", "claimed_until"])
    return followup


def release(*, followup, agent):
    """The agent hands an unfinished call back to the queue."""
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=followup.pk)
        if locked.claimed_by_id != agent.pk:
            raise ValidationError(_("This call is not yours to hand back."))
        locked.claimed_by = None
        locked.claimed_until = None
        locked.save(update_fields=["claimed_by", "claimed_until"])
    return locked


def release_stale_claims(*, now=None) -> int:
    """Claims whose lease ran out go back to the queue (they are callable again already;
    this clears who held them, so the queue page stops showing them as taken)."""
    now = now or timezone.now()
    return FollowUp.objects.filter(claimed_until__lt=now).update(claimed_by=None, claimed_until=None)


def assign(*, followup, agent, by):
    """A supervisor gives a call to one agent (or back to everyone with `agent=None`); a live
    claim of another agent is taken away."""
    if not by.has_perm("visits.assign_followup"):
        raise ValidationError(_("Only a supervisor assigns calls."))
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=followup.pk)
        if locked.store_id not in queue_stores(by):
            raise ValidationError(_("Only a supervisor of this store assigns its calls."))
        if locked.status != FollowUp.Status.PENDING or locked.merged_into_id:
            raise ValidationError(_("This call is finished and can no longer be assigned."))
        if agent is not None and not (
            agent.is_active
            and agent.has_perm("visits.work_queue")
            and locked.store_id in queue_stores(agent)
        ):
            raise ValidationError(_("%(agent)s does not work this store's queue.") % {"agent": agent})
        locked.assigned_to = agent
        if agent is None or locked.claimed_by_id != agent.pk:
            locked.claimed_by = None
            locked.claimed_until = None
        locked.save(update_fields=["assigned_to", "claimed_by", "claimed_until"])
    return locked
