"""Online self-booking (seed 002): a customer proves the mobile with an SMS code, books from
the online share of the capacity, and gets a signed link to see, move or cancel it.

The link carries `django.core.signing` of the appointment's id; it works for that
appointment only and stops working a day after the appointment's time (checked against the
appointment itself, so a moved appointment's link follows it). No customer data is in it."""
import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.messaging.services import queue_message
from aftersales.messaging.verification_models import VerificationCode
from aftersales.ratelimit import HourlyAddressLimit
from customers.models import Customer, Vehicle
from customers.normalize import normalize_mobile

from . import capacity
from .models import Appointment

PURPOSE = VerificationCode.Purpose.BOOKING
TOKEN_SALT = "appointments.online.manage"
# How long a proven mobile may book without a new code.
PROVEN_FOR = dt.timedelta(minutes=30)
SESSION_KEY = "appointments_online_mobile"
LINK_VALID_AFTER = dt.timedelta(days=1)


class TooManyBookings(Exception):
    def __init__(self, message, retry_after):
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


def take_submission(store, client_ip, *, action, limit, now=None):
    """One form per address counted; TooManyBookings when the hour's are used."""
    bucket = HourlyAddressLimit(f"appointments_public:{action}", client_ip, limit=limit, now=now or timezone.now())
    if bucket.is_full() or not bucket.take():
        local = capacity.local(store, bucket.ends_at)
        raise TooManyBookings(_("Too many forms have been sent from your network this hour. Please try again "
                                "after %(time)s.") % {"time": local.strftime("%H:%M")}, bucket.retry_after)


# --- The proven mobile (session) -------------------------------------------------------------
def remember_mobile(request, store, mobile, now=None):
    now = now or timezone.now()
    request.session[SESSION_KEY] = {"store": store.code, "mobile": normalize_mobile(mobile),
                                    "until": (now + PROVEN_FOR).timestamp()}
    request.session.cycle_key()


def proven_mobile(request, store, now=None):
    entry = request.session.get(SESSION_KEY) or {}
    if entry.get("store") != store.code or entry.get("until", 0) < (now or timezone.now()).timestamp():
        return None
    return entry["mobile"]


def customer_of(store, mobile):
    return (Customer.objects.active().filter(store=store, mobile=mobile)
            .order_by(F("last_visit_at").desc(nulls_last=True), "pk").first())


def upcoming_of(store, mobile, now=None):
    customer = customer_of(store, mobile)
    if customer is None:
        return None
    return (Appointment.objects.filter(customer=customer, status__in=Appointment.UPCOMING,
                                       starts_at__gt=now or timezone.now())
            .select_related("vehicle", "service_type").order_by("starts_at").first())


# --- Booking -----------------------------------------------------------------------------------
def book_online(*, store, mobile, name, plate, service_type, starts_at, advisor=None, note="", now=None):
    """Book for the proven `mobile`: its customer file (or a new one with `name`), the vehicle
    of `plate` (or a new one), from the online share only. Raises BookingRefused / SlotTaken."""
    from .services import BookingRefused, book

    now = now or timezone.now()
    if not service_type.bookable_online or service_type.store_id != store.pk:
        raise BookingRefused(_("Choose a service type of this store."))
    with transaction.atomic():
        customer = customer_of(store, mobile)
        if customer is None:
            language = translation.get_language()
            customer = Customer.objects.create(
                store=store, name=name.strip() or _("Online customer"), mobile=mobile,
                source=Customer.Source.ONLINE, created_at=now,
                preferred_language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            )
        vehicle = Vehicle.objects.filter(store=store, plate=plate).first()
        if vehicle is not None and vehicle.owner_id != customer.pk:
            # Someone else's car: the answer must not tell whose it is.
            raise BookingRefused(_("This plate cannot be booked online; please call the store."))
        if vehicle is None:
            vehicle = Vehicle.objects.create(store=store, owner=customer, plate=plate)
        appointment = book(store=store, customer=customer, vehicle=vehicle, service_type=service_type,
                           starts_at=starts_at, source=Appointment.Source.ONLINE, by=None, advisor=advisor,
                           note=note, now=now)
        send_confirmation(appointment)
    return appointment


def manage_token(appointment):
    return signing.dumps({"a": appointment.pk}, salt=TOKEN_SALT)


def appointment_for_token(token, store, now=None):
    """The appointment the link is for, or None (bad, another store's, or past its time)."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    appointment = (Appointment.objects.filter(pk=payload.get("a"), store=store)
                   .select_related("store", "vehicle", "service_type", "advisor", "customer").first())
    if appointment is None or appointment.starts_at + LINK_VALID_AFTER < (now or timezone.now()):
        return None
    return appointment


def manage_link(appointment):
    path = reverse("appointments_online:manage", args=[appointment.store.code, manage_token(appointment)])
    return settings.SITE_URL.rstrip("/") + path


def send_confirmation(appointment):
    """The SMS with the booking and its link; once per appointment and version."""
    queue_message(
        store=appointment.store, kind="appointment_booked", customer=appointment.customer,
        idempotency_key=f"appointment-booked:{appointment.pk}:v{appointment.version}",
        context={"name": appointment.customer.name, "plate": appointment.vehicle.plate,
                 "time": f"{capacity.local(appointment.store, appointment.starts_at):%m-%d %H:%M}",
                 "link": manage_link(appointment)},
    )


def free_online_times(store, day, *, hours, now=None):
    """The times of `day` an online customer may still book for `hours`."""
    days = capacity.availability(store, day, days=1, hours=hours, online=True, now=now)
    return [slot.starts_at for slot in days[0].slots if not slot.short] if days else []
