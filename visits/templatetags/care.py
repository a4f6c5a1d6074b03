"""Display helpers of customer care: labels for codes, and the care outcome form of a call."""
from django import template

from aftersales.messaging.models import OutboundMessage
from visits.care.festivals import BY_CODE
from visits.care.forms import CareOutcomeForm
from visits.models import FollowUp

register = template.Library()


@register.filter
def message_status(code):
    return OutboundMessage.Status(code).label if code in OutboundMessage.Status.values else code


@register.filter
def suppression_reason(code):
    return OutboundMessage.Suppression(code).label if code in OutboundMessage.Suppression.values else code


@register.filter
def call_status(code):
    return FollowUp.Status(code).label if code in FollowUp.Status.values else code


@register.filter
def festival_label(code):
    return BY_CODE[code].label if code in BY_CODE else code


@register.inclusion_tag("visits/care/partials/call_outcome.html")
def care_call_outcome(followup):
    """The renewal or recall outcome form on the call screen of a care call."""
    occasion = followup.care_occasion
    return {"followup": followup, "occasion": occasion, "form": CareOutcomeForm()}
