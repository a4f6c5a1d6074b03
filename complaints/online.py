"""Complaints customers file themselves on the public page, and what they may see of them
later (seed 002 §2.2.3).

- `file_online_complaint` files a complaint for the number that proved itself with a code: the
  store's customer file of that number, or a new one with the name given.
- `look_up_status` answers "how is my complaint doing" for a number and a mobile, after the
  code: a `PublicStatus` with the few fields a customer is shown, or None. None says nothing
  about why (no such number, another person's number, a wrong code): the page must not tell
  strangers which numbers exist.
- `SubmissionLimit` caps the forms one client address may send per hour (a Redis counter, as
  the verification codes' address limit: checked before the database is touched, `cache.add`
  + `cache.incr` atomic).
"""
import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.messaging.verification import CheckResult, verify_code
from aftersales.messaging.verification_models import VerificationCode
from aftersales.ratelimit import HourlyAddressLimit
from customers.models import Customer
from customers.normalize import halfwidth, normalize_mobile

from .models import Complaint
from .services import register_complaint

PURPOSE = VerificationCode.Purpose.COMPLAINT
Status = Complaint.Status

# What the customer reads for each state: no internal words (triage, department, callback).
CUSTOMER_STATUS = {
    Status.NEW: gettext_lazy("Received: we are looking into it"),
    Status.ASSIGNED: gettext_lazy("Being handled"),
    Status.ANSWERED: gettext_lazy("Answered: we will call you about the proposed resolution"),
    Status.CLOSED: gettext_lazy("Resolved and closed"),
    Status.CANCELLED: gettext_lazy("Closed without further handling"),
}
# The store's proposed resolution is shown once the department has answered.
SHOWS_RESOLUTION = (Status.ANSWERED, Status.CLOSED)


@dataclass(frozen=True)
class PublicStatus:
    """All a customer sees of a complaint: nothing else leaves this module."""

    number: str
    registered: dt.date
    category: str
    status: str
    resolution: str


def file_online_complaint(*, store, name, mobile, category, description, plate="", now=None) -> Complaint:
    """File the complaint of `mobile` (already verified) with the store. The customer is the
    store's file of that number (the most recent visitor if there are several), else a new file
    with the name given; an existing file keeps its name."""
    now = now or timezone.now()
    mobile = normalize_mobile(mobile)
    if plate:
        description = f"{description}\n{_('Plate')}: {plate}"
    with transaction.atomic():
        customer = (
            Customer.objects.active().filter(store=store, mobile=mobile)
            .order_by(F("last_visit_at").desc(nulls_last=True), "pk").first()
        )
        if customer is None:
            language = translation.get_language()
            customer = Customer.objects.create(
                store=store, name=name, mobile=mobile, source=Customer.Source.ONLINE, created_at=now,
                preferred_language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            )
        return register_complaint(
            store=store, customer=customer, channel=Complaint.Channel.ONLINE, category=category,
            description=description, by=None, now=now,
        )


def normalize_number(raw) -> str:
    """A complaint number as people type it: spaces, full-width characters, lower case."""
    return "".join(halfwidth(str(raw or "")).split()).upper()


def look_up_status(*, store, number, mobile, code, now=None) -> PublicStatus | None:
    """The status of complaint `number` of the store, if it is `mobile`'s and `code` is the
    number's live code (which this spends); else None, whatever the reason."""
    if verify_code(store=store, mobile=mobile, purpose=PURPOSE, code=code, now=now) is not CheckResult.OK:
        return None
    try:
        mobile = normalize_mobile(mobile)
    except ValueError:
        return None
    complaint = (
        Complaint.objects.filter(store=store, number=normalize_number(number), customer__mobile=mobile)
        .only("number", "created_at", "category", "status", "resolution")
        .first()
    )
    if complaint is None:
        return None
    local = timezone.localtime(complaint.created_at, zoneinfo.ZoneInfo(store.time_zone))
    return PublicStatus(
        number=complaint.number,
        registered=local.date(),
        category=complaint.get_category_display(),
        status=CUSTOMER_STATUS[complaint.status],
        resolution=complaint.resolution if complaint.status in SHOWS_RESOLUTION else "",
    )


# --- Per-address limit (Redis) ---------------------------------------------------------------
class TooManySubmissions(ValidationError):
    def __init__(self, message, *, retry_after):
        super().__init__(message, code="address_submission_limit")
        self.retry_after = retry_after


class SubmissionLimit:
    """At most `limit` forms of one kind per client address and clock hour."""

    def __init__(self, action, client_ip, *, limit, now=None):
        self.limit = HourlyAddressLimit(f"complaints_public:{action}", client_ip, limit=limit,
                                        now=now or timezone.now())
        self.key = self.limit.key

    def take(self, store):
        """Count one form, or raise TooManySubmissions (counting nothing) if the hour's are used."""
        if self.limit.is_full() or not self.limit.take():
            local = self.limit.ends_at.astimezone(zoneinfo.ZoneInfo(store.time_zone))
            raise TooManySubmissions(
                _("Too many forms have been sent from your network this hour. Please try again after "
                  "%(time)s.") % {"time": local.strftime("%H:%M")},
                retry_after=self.limit.retry_after,
            )
