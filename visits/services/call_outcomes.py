"""Calls that other modules put in the one callback queue (e.g. appointments' D-2
confirmation and the rebook after a no-show), and what their answers mean.

visits imports none of those modules: a module registers, in its AppConfig.ready, the kind
of call (a FollowUpRule trigger) with the answers the call screen offers when the customer
was reached, and a handler the answer is handed to, in the transaction of the call."""
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CallKind:
    trigger: str
    # (code, label) offered when the customer was reached; empty: no answer to record.
    results: tuple
    # handler(followup, result, agent, data, now); raises ValidationError to refuse.
    handler: object
    priority: int = 1
    script: str = ""
    # Whether the answer needs a time (e.g. "wants another time"): the result codes that do.
    needs_time: tuple = ()
    # The result codes whose answer needs a short text (e.g. the insurer of "renewed
    # elsewhere"), posted as `call_result_text` under `text_label`.
    needs_text: tuple = ()
    text_label: str = ""


_KINDS: dict[str, CallKind] = {}


def register(kind: CallKind):
    _KINDS[kind.trigger] = kind


def kind_of(followup) -> CallKind | None:
    return _KINDS.get(followup.rule.trigger)


def schedule_call(*, store, customer, vehicle, trigger, ref, due_on: dt.date, expires_on: dt.date, priority=None):
    """Put a call in the queue once per `ref` (a unique constraint decides; running twice
    makes one). Returns whether it was created."""
    from ..models import FollowUp, FollowUpRule

    kind = _KINDS[trigger]
    rule, _created = FollowUpRule.objects.get_or_create(
        store=store, trigger=trigger, repair_type="",
        defaults={"offsets_days": [0], "window_days": max((expires_on - due_on).days, 0),
                  "priority": kind.priority, "call_script": kind.script},
    )
    if not rule.is_active:
        return False
    if FollowUp.objects.filter(rule=rule, external_ref=ref).exists():
        return False
    # ON CONFLICT DO NOTHING: a concurrent run's insert wins, ours makes nothing.
    FollowUp.objects.bulk_create([FollowUp(
        store=store, customer=customer, vehicle=vehicle, rule=rule, offset_days=0, due_on=due_on,
        expires_on=max(expires_on, due_on), priority=rule.priority if priority is None else priority,
        external_ref=ref,
    )], ignore_conflicts=True)
    return True


def cancel_calls(ref_prefix: str, *, now=None) -> int:
    """Calls still to make whose ref starts with `ref_prefix` no longer make sense."""
    from django.utils import timezone

    from ..models import FollowUp

    return FollowUp.objects.filter(status=FollowUp.Status.PENDING, external_ref__startswith=ref_prefix).update(
        status=FollowUp.Status.CANCELLED, finished_at=now or timezone.now(), claimed_by=None, claimed_until=None
    )


def record_result(*, followup, result, agent, data, now):
    """Hand a reached call's answer to its module; must run in the call's transaction."""
    kind = kind_of(followup)
    if kind is None or not kind.results:
        return
    if result not in dict(kind.results):
        raise ValidationError(_("Choose what the customer answered."))
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_result must run inside the call's transaction")
    kind.handler(followup, result, agent, data, now)
