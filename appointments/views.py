"""Thin views: the welcome board (public, by secret link) and the day book (staff)."""
import datetime as dt

from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from aftersales.htmx import render_page
from aftersales.models import Store, User
from aftersales.links import url_of
from aftersales.prepared import prepared_reads
from aftersales.scoping import for_user

from . import capacity, selectors
from .models import Appointment, CapacitySettings

BOARD_REFRESH_SECONDS = 30


def _board_store(token):
    settings = CapacitySettings.objects.select_related("store").filter(welcome_board_token=token).first()
    if settings is None or not settings.store.is_active:
        raise Http404
    return settings.store


@login_not_required
@require_GET
@prepared_reads()
def welcome_board(request, token):
    store = _board_store(token)
    return render(request, "appointments/welcome_board.html", _board_context(store, token))


@login_not_required
@require_GET
@prepared_reads()
def welcome_board_rows(request, token):
    store = _board_store(token)
    return render(request, "appointments/partials/welcome_board_rows.html", _board_context(store, token))


def _board_context(store, token):
    today = capacity.local(store, timezone.now()).date()
    return {"store": store, "token": token, "rows": selectors.welcome_board(store, today),
            "refresh_seconds": BOARD_REFRESH_SECONDS, "today": today}


@permission_required("appointments.view_appointment", raise_exception=True)
@require_GET
@prepared_reads()
def day_book(request):
    """The day book (预约看板): a day's slots with capacity used and left, and who is booked;
    booking and moving happen in the panel beside it by htmx."""
    stores = list(for_user(Store.objects.filter(is_active=True), request.user))
    if not stores:
        raise Http404
    store = next((s for s in stores if s.code == request.GET.get("store")), stores[0])
    today = capacity.local(store, timezone.now()).date()
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = today
    context = day_book_context(store, day, request.user)
    context["stores"] = stores
    return render_page(request, "appointments/day_book.html", "appointments/partials/day_book_body.html",
                       context)


def day_book_context(store, day, user, rules=None):
    """What the day book shows, computed here rather than in the template: a busy day has ~60
    slots and ~100 appointments, and the page is re-rendered after every booking, so per-row
    links, times and permissions are worked out once (the template's lookups were most of the
    page's time)."""
    appointments = selectors.day_book_entries(store, day)
    advisor_ids = sorted({a["advisor_id"] for a in appointments if a["advisor_id"]})
    # `rules`: the day's plan without its load, when the request has read it (a booking).
    plan = rules.read_load() if rules is not None else capacity.CapacityPlan(store, day, day)
    plan_day = plan.days(advisor_ids)[0]
    can_move = user.has_perm("appointments.change_appointment")
    detail_url, move_url = url_of("appointments:detail"), url_of("appointments:move")
    by_slot = {}
    status_label = {value: str(label) for value, label in Appointment.Status.choices}
    for appointment in appointments:
        pk, status = appointment["pk"], appointment["status"]
        by_slot.setdefault(appointment["starts_at"], []).append({
            "pk": pk, "plate": appointment["vehicle__plate"], "service": appointment["service_type__name"],
            "advisor": User.name_in(appointment, "advisor__") if appointment["advisor_id"] else "",
            "status": status_label[status], "detail_url": detail_url(pk),
            "move_url": move_url(pk) if can_move and status in Appointment.UPCOMING else "",
        })
    rows = []
    for slot in plan_day.slots:
        local = capacity.local(store, slot.starts_at)
        rows.append({"slot": slot, "time": f"{local:%H:%M}", "at": f"{local:%Y-%m-%dT%H:%M}",
                     "appointments": by_slot.get(slot.starts_at, [])})
    return {"store": store, "day": day, "plan_day": plan_day, "rows": rows,
            "can_book": user.has_perm("appointments.add_appointment"),
            "book_url": f"{reverse('appointments:book')}?store={store.code}&at=",
            "previous_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1)}
