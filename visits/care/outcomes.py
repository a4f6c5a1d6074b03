"""What a care call learned: the renewal outcome (with the insurer when renewed elsewhere) or
why a lost customer stayed away. The call screen hands the customer's answer to
`answer_care_call` through the call-outcome registry (registered in calls.py), in the
transaction that records the call."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.models import CallAttempt, CareOccasion, RecallReason, RenewalOutcome, VehicleServiceDue
from visits.services import call_outcomes, record_attempt


def answer_care_call(followup, result, agent, data, now) -> CareOccasion:
    """The registry's handler: `result` is a renewal outcome or a recall reason; the insurer
    comes as `call_result_text`, the customer's words as the call's note."""
    if followup.care_occasion_id is None:
        raise ValidationError(_("This call is not a reminder, renewal or recall call."))
    occasion = CareOccasion.objects.select_for_update().get(pk=followup.care_occasion_id)
    insurer, note = (data.get("call_result_text") or "").strip(), (data.get("note") or "").strip()
    if occasion.kind == CareOccasion.Kind.INSURANCE:
        if result not in RenewalOutcome.values:
            raise ValidationError(_("Choose what the customer decided about the renewal."))
        if result == RenewalOutcome.RENEWED_ELSEWHERE and not insurer:
            raise ValidationError(_("Name the insurer the customer renewed with."))
        occasion.renewal_outcome, occasion.insurer = result, insurer[:50]
        sold = result == RenewalOutcome.SOLD_CAR
    elif occasion.kind == CareOccasion.Kind.RECALL:
        if result not in RecallReason.values:
            raise ValidationError(_("Choose why the customer stayed away."))
        if result == RecallReason.OTHER and not note:
            raise ValidationError(_("Write down the customer's reason in their words."))
        occasion.recall_reason = result
        sold = result == RecallReason.SOLD_CAR
    else:
        sold = False
    occasion.note, occasion.outcome_at, occasion.outcome_by = note, now, agent
    occasion.save(update_fields=["renewal_outcome", "insurer", "recall_reason", "note", "outcome_at", "outcome_by"])
    if sold and occasion.vehicle_id:
        # A car sold away stops its reminders (until it comes in again).
        VehicleServiceDue.objects.filter(vehicle_id=occasion.vehicle_id).update(
            stopped_on=timezone.localdate(now), stopped_reason=VehicleServiceDue.StopReason.SOLD
        )
    return occasion


@transaction.atomic
def record_care_outcome(*, followup_id, agent, renewal_outcome="", insurer="", recall_reason="", note="",
                        now=None):
    """A reached care call with its answer, as the call screen records it: the attempt, then
    the answer through the registry (one transaction: a refused answer records nothing)."""
    from visits.models import FollowUp

    now = now or timezone.now()
    record_attempt(followup_id=followup_id, agent=agent, outcome=CallAttempt.Outcome.REACHED, note=note, now=now)
    followup = FollowUp.objects.select_related("rule").get(pk=followup_id)
    call_outcomes.record_result(followup=followup, result=renewal_outcome or recall_reason, agent=agent,
                                data={"call_result_text": insurer, "note": note}, now=now)
