"""What a care call learned: the renewal outcome (with the insurer when renewed elsewhere) or
why a lost customer stayed away. One transaction with the call attempt that finishes the call."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.models import CallAttempt, CareOccasion, FollowUp, RecallReason, RenewalOutcome, VehicleServiceDue
from visits.services import record_attempt


@transaction.atomic
def record_care_outcome(*, followup_id, agent, renewal_outcome="", insurer="", recall_reason="", note="",
                        now=None) -> CareOccasion:
    now = now or timezone.now()
    followup = FollowUp.objects.only("id", "care_occasion_id").get(pk=followup_id)
    if followup.care_occasion_id is None:
        raise ValidationError(_("This call is not a reminder, renewal or recall call."))
    occasion = CareOccasion.objects.select_for_update().get(pk=followup.care_occasion_id)
    insurer, note = insurer.strip(), note.strip()
    if occasion.kind == CareOccasion.Kind.INSURANCE:
        if renewal_outcome not in RenewalOutcome.values:
            raise ValidationError(_("Choose what the customer decided about the renewal."))
        if renewal_outcome == RenewalOutcome.RENEWED_ELSEWHERE and not insurer:
            raise ValidationError(_("Name the insurer the customer renewed with."))
        occasion.renewal_outcome, occasion.insurer = renewal_outcome, insurer
        sold = renewal_outcome == RenewalOutcome.SOLD_CAR
    elif occasion.kind == CareOccasion.Kind.RECALL:
        if recall_reason not in RecallReason.values:
            raise ValidationError(_("Choose why the customer stayed away."))
        if recall_reason == RecallReason.OTHER and not note:
            raise ValidationError(_("Write down the customer's reason in their words."))
        occasion.recall_reason = recall_reason
        sold = recall_reason == RecallReason.SOLD_CAR
    else:
        sold = False
    # Finishes the call (checks it is still to make and not held by someone else).
    record_attempt(followup_id=followup.pk, agent=agent, outcome=CallAttempt.Outcome.REACHED, note=note, now=now)
    occasion.note, occasion.outcome_at, occasion.outcome_by = note, now, agent
    occasion.save(update_fields=["renewal_outcome", "insurer", "recall_reason", "note", "outcome_at", "outcome_by"])
    if sold and occasion.vehicle_id:
        # A car sold away stops its reminders (until it comes in again).
        VehicleServiceDue.objects.filter(vehicle_id=occasion.vehicle_id).update(
            stopped_on=timezone.localdate(now), stopped_reason=VehicleServiceDue.StopReason.SOLD
        )
    return occasion
