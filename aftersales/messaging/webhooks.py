"""Inbound SMS from the provider: replies that mean "stop" withdraw the sender's SMS consent.

The provider POSTs JSON ``{"mobile": "...", "text": "...", "received_at": "..."}`` with the
shared secret (settings.SMS_WEBHOOK_SECRET) in the ``X-Webhook-Secret`` header. Without the
right secret nothing is read or changed; with no secret configured every call is refused.
"""
import hmac
import json
import logging
import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aftersales.phones import halfwidth, mask_mobile, normalize_mobile

from . import consent

log = logging.getLogger(__name__)

# Replies that withdraw consent, compared after full-width → half-width, without whitespace
# and surrounding punctuation, in upper case (so "ｔｄ", " Td ", "退订。" all count).
STOP_WORDS = frozenset({"TD", "退订", "T", "N", "STOP", "UNSUBSCRIBE", "取消"})
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def is_stop_text(text) -> bool:
    word = "".join(halfwidth(str(text or "")).split())
    word = _EDGE_PUNCTUATION.sub("", word).upper()
    return word in STOP_WORDS


def _secret_ok(request) -> bool:
    expected = settings.SMS_WEBHOOK_SECRET
    given = request.headers.get("X-Webhook-Secret", "")
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def _error(message, status):
    # For the provider's logs, not for people: not translated.
    return JsonResponse({"error": message}, status=status)


@login_not_required
@csrf_exempt
@never_cache
@require_POST
def sms_inbound(request):
    if not _secret_ok(request):
        return _error("forbidden", 403)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error("body is not JSON", 400)
    if not isinstance(payload, dict):
        return _error("body must be a JSON object", 400)
    raw_mobile, text = payload.get("mobile"), payload.get("text")
    if not isinstance(raw_mobile, str) or not isinstance(text, str):
        return _error("mobile and text must be strings", 400)
    received_at = payload.get("received_at")
    if received_at is not None and (
        not isinstance(received_at, str) or _parse_time(received_at) is None
    ):
        return _error("received_at must be an ISO 8601 date and time", 400)
    try:
        mobile = normalize_mobile(raw_mobile)
    except ValueError:
        return _error("mobile is not a valid number", 400)
    if not is_stop_text(text):
        return JsonResponse({"opted_out": 0})
    count = opt_out_by_sms(mobile=mobile, text=text, received_at=received_at)
    log.info("SMS opt-out from %s: %d customer(s)", mask_mobile(mobile), count)
    return JsonResponse({"opted_out": count})


def _parse_time(value):
    try:
        return parse_datetime(value)
    except ValueError:
        return None


@transaction.atomic
def opt_out_by_sms(*, mobile, text, received_at=None) -> int:
    """Withdraw SMS consent for every active customer with this number, in any store (the
    reply comes from the phone, whatever store's message it answers). Customers already opted
    out keep their first record. Returns how many customers with this number are opted out
    now."""
    note = " ".join(text.split())
    if received_at:
        note = f"{note} @ {received_at}"
    return consent.keeper().withdraw(mobile=mobile, channels=[consent.SMS], how=consent.SMS_REPLY, note=note,
                                     keep_earlier=True)
