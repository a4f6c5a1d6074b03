"""The staff pages: booking, the appointment page and its actions, the list and its export,
"my appointments today" and reception (arrival by plate, walk-ins). The day book is in views."""
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from aftersales.models import Store
from aftersales.prepared import prepared_reads
from aftersales.scoping import for_user, get_for_user_or_404
from customers.models import Customer

from . import capacity, selectors, services
from .exports import export_appointments
from .filters import AppointmentFilter
from .forms import BookingForm, CancelForm, MoveForm, PartForm, PlateForm, local_input
from .models import AdvisorNotice, Appointment, IllegalTransition
from .rows import appointment_rows


def _store_for(request, code):
    stores = for_user(Store.objects.filter(is_active=True), request.user)
    store = stores.filter(code=code).first() if code else stores.first()
    if store is None:
        raise Http404
    return store


def _errors(error):
    return error.messages if isinstance(error, ValidationError) else [str(error)]


@vary_on_headers("HX-Request")
@permission_required("appointments.add_appointment", raise_exception=True)
def book(request):
    """The booking form: from the day book (a slot, by htmx), or from a customer's file."""
    store = _store_for(request, request.GET.get("store") or request.POST.get("store"))
    customer = None
    customer_pk = request.GET.get("customer") or request.POST.get("customer")
    if customer_pk:
        customer = get_for_user_or_404(Customer, request.user, pk=customer_pk)
        store = customer.store
    initial = {"starts_at": request.GET.get("at", ""), "source": request.GET.get("source", Appointment.Source.PHONE)}
    if customer is not None:
        vehicle = customer.vehicles.order_by("pk").first()
        initial["plate"] = vehicle.plate if vehicle else ""
    form = BookingForm(request.POST or None, store=store, customer=customer, initial=initial)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        day = capacity.local(store, data["starts_at"]).date()
        # The day's rules, read once: the booking checks against them, the day book shows them.
        rules = capacity.CapacityPlan(store, day, day, with_load=False)
        try:
            appointment = services.book(
                store=store, customer=form.vehicle.owner, vehicle=form.vehicle, service_type=data["service_type"],
                starts_at=data["starts_at"], source=data["source"], by=request.user, advisor=data["advisor"],
                note=data["note"], rules=rules,
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            if request.htmx:
                return _day_book_body(request, store, day, rules=rules)
            messages.success(request, _("Booked."))
            return redirect("appointments:detail", appointment.pk)
    context = {"form": form, "store": store, "customer": customer, "errors": errors}
    if request.htmx:
        response = render(request, "appointments/partials/booking_form.html", context)
        if request.method == "POST":
            response["HX-Retarget"] = "#booking-panel"
        return response
    return render(request, "appointments/book.html", context)


def _day_book_body(request, store, day, rules=None):
    from .views import day_book_context

    return render(request, "appointments/partials/day_book_body.html",
                  day_book_context(store, day, request.user, rules=rules))


def _appointment(request, pk, *, lock=False):
    queryset = Appointment.objects.select_related("store", "customer", "vehicle", "advisor", "service_type", "visit")
    return get_for_user_or_404(queryset, request.user, pk=pk)


@permission_required("appointments.view_appointment", raise_exception=True)
@prepared_reads()
def detail(request, pk):
    appointment = _appointment(request, pk)
    timeline = appointment.timeline.select_related("actor").order_by("at", "pk")
    return render(request, "appointments/detail.html", {
        "appointment": appointment, "timeline": timeline, "store": appointment.store,
        "move_form": MoveForm(store=appointment.store, initial={
            "starts_at": local_input(appointment.store, appointment.starts_at), "advisor": appointment.advisor_id}),
        "cancel_form": CancelForm(),
        "parts": appointment.parts.order_by("expected_on", "pk"),
        "part_form": PartForm(),
        "local_time": capacity.local(appointment.store, appointment.starts_at),
    })


@require_POST
@permission_required("appointments.view_appointment", raise_exception=True)
def act(request, pk, action):
    """Confirm, arrive, complete or cancel: the model's method decides what is allowed."""
    appointment = _appointment(request, pk)
    try:
        if action == "confirm":
            appointment.confirm(by=request.user)
        elif action == "arrive":
            appointment.arrive(by=request.user)
        elif action == "complete":
            appointment.complete(by=request.user)
        elif action == "cancel":
            form = CancelForm(request.POST)
            if not form.is_valid():
                raise IllegalTransition(_("Say why the appointment is cancelled."))
            appointment.cancel(by=request.user, reason=form.cleaned_data["reason"])
        else:
            raise Http404
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    return redirect("appointments:detail", appointment.pk)


@vary_on_headers("HX-Request")
@permission_required("appointments.change_appointment", raise_exception=True)
def move(request, pk):
    """Move to another time (and advisor): from the appointment page, or the day book by htmx."""
    appointment = _appointment(request, pk)
    store = appointment.store
    form = MoveForm(request.POST or None, store=store, initial={
        "starts_at": local_input(store, appointment.starts_at), "advisor": appointment.advisor_id})
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule(appointment, by=request.user, starts_at=form.cleaned_data["starts_at"],
                                advisor=form.cleaned_data["advisor"], keep_advisor=False,
                                note=form.cleaned_data["note"])
        except ValidationError as error:
            errors = _errors(error)
        else:
            if request.htmx:
                return _day_book_body(request, store, capacity.local(store, appointment.starts_at).date())
            messages.success(request, _("Moved."))
            return redirect("appointments:detail", appointment.pk)
    if not request.htmx:
        for message in errors or [str(e) for field in form.errors.values() for e in field]:
            messages.error(request, message)
        return redirect("appointments:detail", appointment.pk)
    response = render(request, "appointments/partials/move_form.html",
                      {"form": form, "appointment": appointment, "errors": errors})
    if request.method == "POST":
        response["HX-Retarget"] = "#booking-panel"
    return response


@permission_required("appointments.view_appointment", raise_exception=True)
@prepared_reads()
def appointment_list(request):
    filtered = AppointmentFilter(request.GET, request=request)
    page = selectors.list_page(filtered.qs, cursor=request.GET.get("after"))
    return render(request, "appointments/list.html",
                  {"filter": filtered, "page": page, "rows": appointment_rows(page)})


@permission_required("appointments.export_appointments", raise_exception=True)
def export(request):
    filtered = AppointmentFilter(request.GET, request=request)
    return export_appointments(filtered.qs)


@permission_required("appointments.view_appointment", raise_exception=True)
def my_today(request):
    """An advisor's appointments of today, in time order, and what changed about them."""
    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time(0), tzinfo=timezone.get_current_timezone())
    appointments = (for_user(Appointment.objects.all(), request.user)
                    .filter(advisor=request.user, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
                    .exclude(status=Appointment.Status.CANCELLED)
                    .select_related("customer", "vehicle", "service_type", "store").order_by("starts_at"))
    notices = (AdvisorNotice.objects.filter(advisor=request.user, read_at__isnull=True)
               .select_related("appointment__vehicle").order_by("-created_at")[:20])
    return render(request, "appointments/my_today.html", {"appointments": appointments, "notices": notices})


@require_POST
@permission_required("appointments.receive_appointment", raise_exception=True)
def reception(request):
    """Arrival by plate; a plate without an appointment today is recorded as a walk-in."""
    store = _store_for(request, request.POST.get("store"))
    form = PlateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the plate."))
        return redirect("appointments:day_book")
    plate = form.cleaned_data["plate"]
    try:
        found = services.arrive_by_plate(store=store, plate=plate, by=request.user)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("appointments:day_book")
    if found is not None:
        messages.success(request, _("Arrived: %(plate)s, booked for %(time)s.") % {
            "plate": found.vehicle.plate, "time": f"{capacity.local(store, found.starts_at):%H:%M}"})
        return redirect("appointments:detail", found.pk)
    from customers.normalize import plate_key

    vehicle = store.vehicles.filter(plate=plate_key(plate)).first()
    if vehicle is None:
        messages.error(request, _("No appointment today and no vehicle with this plate in the files."))
        return redirect("appointments:day_book")
    services.record_walk_in(store=store, vehicle=vehicle, by=request.user)
    messages.success(request, _("No appointment today: recorded as a walk-in."))
    return redirect("appointments:day_book")


@require_POST
@permission_required("appointments.view_appointment", raise_exception=True)
def notices_read(request):
    AdvisorNotice.objects.filter(advisor=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("appointments:my_today")


@require_POST
@permission_required("appointments.change_appointment", raise_exception=True)
def parts(request, pk):
    """Add a part on order, or change one's expected date / mark it arrived."""
    from . import parts as part_service
    from .forms import PartForm

    appointment = _appointment(request, pk)
    form = PartForm(request.POST)
    if not form.is_valid():
        for message in [e for field in form.errors.values() for e in field]:
            messages.error(request, message)
        return redirect("appointments:detail", appointment.pk)
    data = form.cleaned_data
    try:
        if data.get("part"):
            part = get_object_or_404(appointment.parts, pk=data["part"])
            part_service.update_part(part=part, by=request.user, expected_on=data["expected_on"],
                                     arrived=data["arrived"])
        else:
            part_service.order_part(appointment=appointment, description=data["description"],
                                    expected_on=data["expected_on"], by=request.user)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    return redirect("appointments:detail", appointment.pk)
