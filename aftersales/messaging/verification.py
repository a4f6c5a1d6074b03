"""One-time verification codes for the public pages (online complaint, online booking).

`send_code` makes a 6-digit code, stores only a keyed hash of it, and queues a
"verification_code" SMS through the outbox; `check_code` (or `verify_code`, which says why a
check failed) accepts the newest code of a number once, within 10 minutes and 5 tries. A code
is bound to the store and the purpose it was sent for: one asked for at one store's complaint
page proves nothing at another store's, nor on the SMS preferences page.

Limits, each refused with a `VerificationError` that says which limit and when to try again:

- per number (kept in the database, counted from the codes themselves): one code per 60
  seconds, five per hour. Codes are counted under a transaction-scoped advisory lock on the
  number, so two concurrent requests cannot both see "none sent yet" and both send;
- per client address (kept in Redis): twenty codes per clock hour. Redis, not the database,
  because this limit is the first line against a flood from one address: it is checked before
  the database is touched, a refused request writes nothing, and `cache.add` + `cache.incr` are
  atomic, so concurrent requests cannot overshoot. Losing the counters (a Redis restart) only
  resets this limit for the rest of the hour; the per-number limits, which protect the phone
  owners, stay in the database. An IPv6 client is counted by its /64 network (one
  subscriber's allocation), so rotating addresses inside it does not help.

The caller passes the real client address (behind a reverse proxy, from the header the proxy
sets, never from one the client controls).
"""
import datetime as dt
import enum
import hashlib
import hmac
import ipaddress
import math
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.phones import halfwidth, normalize_mobile
from aftersales.ratelimit import HourlyAddressLimit

from .models import Channel
from .services import queue_message
from .verification_models import VerificationCode

CODE_DIGITS = 6
LIFETIME = dt.timedelta(minutes=10)
MAX_TRIES = 5
MOBILE_INTERVAL = dt.timedelta(seconds=60)
MOBILE_PER_HOUR = 5
ADDRESS_PER_HOUR = 20
HOUR = dt.timedelta(hours=1)
# Rows older than this are no longer needed for any limit or check (see purge_codes).
KEEP = dt.timedelta(days=1)

MESSAGE_KIND = "verification_code"


class VerificationError(ValidationError):
    """A code was not sent: the number is invalid or a limit was hit. `retry_after` is the
    number of seconds until a new request can succeed (for a Retry-After header), if known."""

    def __init__(self, message, *, code, params=None, retry_after=None):
        super().__init__(message, code=code, params=params)
        self.retry_after = retry_after


class CheckResult(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    # No code for this number and purpose, or the newest one expired or was used.
    NO_CODE = "no_code"
    TOO_MANY_TRIES = "too_many_tries"


def send_code(*, store, mobile, purpose, client_ip, now=None) -> VerificationCode:
    """Make a code for `mobile`, store its hash and queue the SMS carrying it (sent once this
    transaction commits). Raises VerificationError if the number is invalid or a limit is hit."""
    now = now or timezone.now()
    if purpose not in VerificationCode.Purpose.values:
        raise ValueError(f"Unknown verification purpose {purpose!r}")
    try:
        mobile = normalize_mobile(mobile)
    except ValueError:
        raise VerificationError(
            _("“%(value)s” is not a valid mobile number."), code="invalid_mobile",
            params={"value": mobile},
        ) from None
    address = _client_address(client_ip)
    bucket = _AddressBucket(address, now)
    # Refuse a flood from one address before touching the database.
    bucket.refuse_if_full(store)
    with transaction.atomic():
        _lock_number(mobile)
        _check_number_limits(store, mobile, now)
        bucket.take(store)
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        record = VerificationCode.objects.create(
            store=store, mobile=mobile, purpose=purpose,
            code_hash=_digest(settings.SECRET_KEY, store.pk, purpose, mobile, code),
            client_ip=str(address) if address else None,
            created_at=now, expires_at=now + LIFETIME,
        )
        # The key names the row, not the number or the code: it ends up in the provider's logs.
        queue_message(
            store=store, kind=MESSAGE_KIND, channel=Channel.SMS, to=mobile,
            idempotency_key=f"{MESSAGE_KIND}:{record.pk}",
            context={"code": code, "minutes": int(LIFETIME.total_seconds() // 60)},
        )
    return record


def verify_code(*, store, mobile, purpose, code, now=None) -> CheckResult:
    """Check `code` against the newest code sent to `mobile` for `purpose` at `store`,
    spending a try.

    Only the newest code counts (asking for a new code retires the earlier ones). A right code
    is used up at once. Call it outside any transaction that may roll back afterwards, or the
    spent try is rolled back with it."""
    now = now or timezone.now()
    try:
        mobile = normalize_mobile(mobile)
    except ValueError:
        return CheckResult.NO_CODE
    code = "".join(halfwidth(str(code or "")).split())
    with transaction.atomic():
        record = (
            VerificationCode.objects.select_for_update()
            .filter(store=store, mobile=mobile, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        if record is None or record.used_at is not None or record.expires_at <= now:
            return CheckResult.NO_CODE
        if record.attempts >= MAX_TRIES:
            return CheckResult.TOO_MANY_TRIES
        record.attempts += 1
        right = _matches(record, code)
        if right:
            record.used_at = now
        record.save(update_fields=["attempts", "used_at"])
    if right:
        return CheckResult.OK
    return CheckResult.TOO_MANY_TRIES if record.attempts >= MAX_TRIES else CheckResult.WRONG


def check_code(*, store, mobile, purpose, code, now=None) -> bool:
    """True once for the right, live code; see verify_code."""
    return verify_code(store=store, mobile=mobile, purpose=purpose, code=code, now=now) is CheckResult.OK


def tries_left(*, store, mobile, purpose) -> int:
    """Tries left on the newest code of the number (for the page's message)."""
    try:
        mobile = normalize_mobile(mobile)
    except ValueError:
        return 0
    attempts = (
        VerificationCode.objects.filter(store=store, mobile=mobile, purpose=purpose)
        .order_by("-created_at", "-pk").values_list("attempts", flat=True).first()
    )
    return 0 if attempts is None else max(0, MAX_TRIES - attempts)


def purge_codes(*, now=None) -> int:
    """Delete codes no limit or check needs any more; returns how many (for a periodic job)."""
    now = now or timezone.now()
    deleted, _by_model = VerificationCode.objects.filter(created_at__lt=now - KEEP).delete()
    return deleted


# --- Hashing ---------------------------------------------------------------------------------
def _digest(key, store_id, purpose, mobile, code):
    # Store, purpose and number are part of the message, so a hash is worth nothing for
    # another store, number or page, and equal codes do not give equal hashes.
    message = f"{store_id}\x00{purpose}\x00{mobile}\x00{code}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _matches(record, code):
    # Every key is tried (a code sent just before a SECRET_KEY rotation still works), and
    # compare_digest takes the same time wherever the hashes differ.
    right = False
    for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        candidate = _digest(key, record.store_id, record.purpose, record.mobile, code)
        right |= hmac.compare_digest(candidate.encode(), record.code_hash.encode())
    return right


# --- Per-number limits (database) ------------------------------------------------------------
def _lock_number(mobile):
    """Serialise sends to one number until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"verification_code:{mobile}"]
        )


def _check_number_limits(store, mobile, now):
    recent = list(
        VerificationCode.objects.filter(mobile=mobile, created_at__gt=now - HOUR)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:MOBILE_PER_HOUR]
    )
    if recent and recent[0] > now - MOBILE_INTERVAL:
        retry_at = recent[0] + MOBILE_INTERVAL
        raise VerificationError(
            _(
                "A code was sent to this number less than a minute ago. You can ask for "
                "another one in %(seconds)s s (at %(time)s)."
            ),
            code="number_too_soon",
            params={
                "seconds": _seconds(retry_at - now), "time": _clock(store, retry_at, seconds=True),
            },
            retry_after=_seconds(retry_at - now),
        )
    if len(recent) >= MOBILE_PER_HOUR:
        retry_at = recent[MOBILE_PER_HOUR - 1] + HOUR
        raise VerificationError(
            _(
                "This number has already received %(limit)s codes within the last hour, the "
                "most allowed. Please try again after %(time)s."
            ),
            code="number_hourly_limit",
            params={"limit": MOBILE_PER_HOUR, "time": _clock(store, retry_at)},
            retry_after=_seconds(retry_at - now),
        )


# --- Per-address limit (Redis) ---------------------------------------------------------------
def _client_address(client_ip):
    """The address a client is counted by: IPv4 as is, IPv6 by its /64 network; None if
    unknown or malformed (such clients share one bucket)."""
    try:
        address = ipaddress.ip_address(str(client_ip or "").strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class _AddressBucket:
    """The codes one client address asked for this clock hour (aftersales.ratelimit)."""

    def __init__(self, client_ip, now):
        self.limit = HourlyAddressLimit("verification_code", client_ip, limit=ADDRESS_PER_HOUR, now=now)
        self.key = self.limit.key

    def refuse_if_full(self, store):
        if self.limit.is_full():
            self._refuse(store)

    def take(self, store):
        if not self.limit.take():
            self._refuse(store)

    def _refuse(self, store):
        raise VerificationError(
            _(
                "Too many codes have been requested from your network this hour (at most "
                "%(limit)s). Please try again after %(time)s."
            ),
            code="address_hourly_limit",
            params={"limit": ADDRESS_PER_HOUR, "time": _clock(store, self.limit.ends_at)},
            retry_after=self.limit.retry_after,
        )


# --- Wording ---------------------------------------------------------------------------------
def _seconds(delta):
    return max(1, math.ceil(delta.total_seconds()))


def _clock(store, moment, *, seconds=False):
    """The store's local time of `moment`, rounded up so that trying then works."""
    local = moment.astimezone(zoneinfo.ZoneInfo(store.time_zone))
    if seconds:
        if local.microsecond:
            local = local.replace(microsecond=0) + dt.timedelta(seconds=1)
        return local.strftime("%H:%M:%S")
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return local.strftime("%H:%M")
