"""The public booking pages `/b/<store code>/` (seed 002): phone first, no login, no
JavaScript needed. A mobile proves itself with an SMS code (the verification module's limits
per number and address); forms are limited per address; answers never tell whether a number
or a plate belongs to a customer."""
import datetime as dt

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.messaging.preferences import client_ip
from aftersales.messaging.verification_forms import RequestCodeForm
from aftersales.models import Store

from . import capacity, online
from .models import Appointment, ServiceType
from .public_forms import OnlineBookingForm, OnlineMoveForm, VerifyMobileForm, open_days

VERIFICATIONS_PER_HOUR = 20
BOOKINGS_PER_HOUR = 10
CHANGES_PER_HOUR = 20


def _store(code):
    return get_object_or_404(Store, code=code, is_active=True)


def _render(request, template, context, *, status=200, retry_after=None):
    response = render(request, template, context, status=429 if retry_after else status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _errors(form):
    return [message for messages in form.errors.values() for message in messages]


@login_not_required
@require_http_methods(["GET"])
def start(request, store_code):
    store = _store(store_code)
    if online.proven_mobile(request, store):
        return redirect("appointments_online:new", store.code)
    return _render(request, "appointments/public/start.html", {"store": store, "step": 1,
                                                               "form": RequestCodeForm(store=store, purpose=online.PURPOSE, client_ip="")})


@login_not_required
@require_POST
def send_code(request, store_code):
    store = _store(store_code)
    ask = RequestCodeForm(request.POST, store=store, purpose=online.PURPOSE, client_ip=client_ip(request))
    if ask.is_valid() and ask.send():
        # A code goes to any valid number: the page does not tell who is a customer.
        return _render(request, "appointments/public/start.html", {
            "store": store, "step": 2, "form": VerifyMobileForm(initial={"mobile": ask.cleaned_data["mobile"]},
                                                                store=store, purpose=online.PURPOSE), "code_sent": True})
    step = 2 if request.POST.get("code_sent") else 1
    form = VerifyMobileForm(initial={"mobile": request.POST.get("mobile", "")}, store=store, purpose=online.PURPOSE) if step == 2 else ask
    return _render(request, "appointments/public/start.html", {"store": store, "step": step, "form": form,
                                                               "errors": _errors(ask) if step == 2 else []},
                   retry_after=ask.retry_after)


@login_not_required
@require_POST
def verify(request, store_code):
    store = _store(store_code)
    try:
        online.take_submission(store, client_ip(request), action="verify", limit=VERIFICATIONS_PER_HOUR)
    except online.TooManyBookings as error:
        return _render(request, "appointments/public/start.html", {
            "store": store, "step": 2, "errors": [error.message],
            "form": VerifyMobileForm(initial={"mobile": request.POST.get("mobile", "")}, store=store, purpose=online.PURPOSE)},
            retry_after=error.retry_after)
    form = VerifyMobileForm(request.POST, store=store, purpose=online.PURPOSE)
    if not form.is_valid():
        return _render(request, "appointments/public/start.html", {"store": store, "step": 2, "form": form},
                       status=400)
    online.remember_mobile(request, store, form.cleaned_data["mobile"])
    return redirect("appointments_online:new", store.code)


@login_not_required
@require_http_methods(["GET", "POST"])
def new(request, store_code):
    store = _store(store_code)
    mobile = online.proven_mobile(request, store)
    if mobile is None:
        return redirect("appointments_online:start", store.code)
    now = timezone.now()
    upcoming = online.upcoming_of(store, mobile, now)
    if upcoming is not None:
        # One booking at a time: the customer sees the one they have.
        return redirect("appointments_online:manage", store.code, online.manage_token(upcoming))
    customer = online.customer_of(store, mobile)
    plates = list(customer.vehicles.exclude(plate="").values_list("plate", flat=True)) if customer else []
    data = request.POST if request.method == "POST" else None
    times = _times_for(store, data, now)
    initial = {"plate": plates[0] if plates else ""}
    if data is not None and data.get("show_times"):
        # "Show free times": the same form again with the day's free times, nothing booked.
        form = OnlineBookingForm(initial={**initial, **{k: data.get(k) for k in ("name", "plate", "service_type",
                                                                              "day", "note")}},
                                 store=store, now=now, times=times, new_customer=customer is None, plates=plates)
        return _new_page(request, store, form, plates, [] if times else [_("No free time that day; choose another.")])
    form = OnlineBookingForm(data, store=store, now=now, times=times, new_customer=customer is None, plates=plates,
                             initial=initial)
    errors = []
    if request.method == "POST":
        try:
            online.take_submission(store, client_ip(request), action="book", limit=BOOKINGS_PER_HOUR)
        except online.TooManyBookings as error:
            return _new_page(request, store, form, plates, [error.message], retry_after=error.retry_after)
        if form.is_valid() and form.starts_at() is None:
            errors = [_("Choose a free time.")]
        elif form.is_valid():
            data = form.cleaned_data
            try:
                appointment = online.book_online(
                    store=store, mobile=mobile, name=data.get("name", ""), plate=data["plate"],
                    service_type=data["service_type"], starts_at=form.starts_at(), note=data["note"], now=now)
            except ValidationError as error:
                errors = error.messages
            else:
                return redirect("appointments_online:manage", store.code, online.manage_token(appointment))
    return _new_page(request, store, form, plates, errors)


def _times_for(store, data, now):
    if not data:
        return []
    try:
        day = dt.date.fromisoformat(data.get("day", ""))
        service_type = ServiceType.objects.get(pk=int(data.get("service_type", "")), store=store, bookable_online=True)
    except (ValueError, ServiceType.DoesNotExist):
        return []
    if day not in open_days(store, now):
        return []
    return online.free_online_times(store, day, hours=service_type.labour_hours, now=now)


def _new_page(request, store, form, plates, errors, retry_after=None):
    return _render(request, "appointments/public/new.html", {"store": store, "form": form, "plates": plates,
                                                             "errors": errors}, retry_after=retry_after)


def _managed(store_code, token):
    store = _store(store_code)
    appointment = online.appointment_for_token(token, store)
    if appointment is None:
        raise Http404
    return store, appointment


@login_not_required
@require_http_methods(["GET"])
def manage(request, store_code, token):
    store, appointment = _managed(store_code, token)
    return _manage_page(request, store, appointment, token)


def _manage_page(request, store, appointment, token, *, errors=(), data=None, retry_after=None, status=200):
    from .selectors import mask_plate

    now = timezone.now()
    times = []
    if data and appointment.is_upcoming:
        try:
            day = dt.date.fromisoformat(data.get("day", ""))
            if day in open_days(store, now):
                times = online.free_online_times(store, day, hours=appointment.labour_hours, now=now)
        except ValueError:
            pass
    return _render(request, "appointments/public/manage.html", {
        "store": store, "appointment": appointment, "token": token, "errors": errors,
        "plate": mask_plate(appointment.vehicle.plate), "local_time": capacity.local(store, appointment.starts_at),
        "move_form": OnlineMoveForm(initial=dict(data.items()) if data else None, store=store, now=now, times=times)
        if appointment.is_upcoming else None,
    }, retry_after=retry_after, status=status)


@login_not_required
@require_POST
def cancel(request, store_code, token):
    store, appointment = _managed(store_code, token)
    try:
        online.take_submission(store, client_ip(request), action="change", limit=CHANGES_PER_HOUR)
        appointment.cancel(by=None, reason=_("Cancelled by the customer online"))
    except online.TooManyBookings as error:
        return _manage_page(request, store, appointment, token, errors=[error.message], retry_after=error.retry_after)
    except ValidationError as error:
        return _manage_page(request, store, appointment, token, errors=error.messages, status=400)
    return redirect("appointments_online:manage", store.code, token)


@login_not_required
@require_POST
def move(request, store_code, token):
    from .services import reschedule

    store, appointment = _managed(store_code, token)
    if request.POST.get("show_times"):
        return _manage_page(request, store, appointment, token, data=request.POST)
    now = timezone.now()
    times = []
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
        times = online.free_online_times(store, day, hours=appointment.labour_hours, now=now)
    except ValueError:
        pass
    form = OnlineMoveForm(request.POST, store=store, now=now, times=times)
    try:
        online.take_submission(store, client_ip(request), action="change", limit=CHANGES_PER_HOUR)
    except online.TooManyBookings as error:
        return _manage_page(request, store, appointment, token, errors=[error.message], retry_after=error.retry_after)
    if not form.is_valid() or form.starts_at() is None:
        return _manage_page(request, store, appointment, token, errors=[_("Choose a free time.")],
                            data=request.POST, status=400)
    try:
        reschedule(appointment, by=None, starts_at=form.starts_at(), now=now)
    except ValidationError as error:
        return _manage_page(request, store, appointment, token, errors=error.messages, data=request.POST, status=400)
    online.send_confirmation(appointment)
    return redirect("appointments_online:manage", store.code, token)
