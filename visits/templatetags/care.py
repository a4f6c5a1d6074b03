"""Display helpers of customer care: labels for codes, and what a care call is about."""
from django import template

from aftersales.messaging.models import OutboundMessage
from visits.care.festivals import BY_CODE
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


@register.inclusion_tag("visits/care/partials/call_subject.html")
def care_call_subject(followup):
    """What a renewal or recall call is about, above the call form (whose answer records it)."""
    return {"occasion": followup.care_occasion}
