"""Thin views: the welcome board (public, by secret link) and the day book (staff)."""
import datetime as dt

from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from aftersales.models import Store
from aftersales.scoping import for_user

from . import capacity, selectors
from .models import CapacitySettings

BOARD_REFRESH_SECONDS = 30


def _board_store(token):
    settings = CapacitySettings.objects.select_related("store").filter(welcome_board_token=token).first()
    if settings is None or not settings.store.is_active:
        raise Http404
    return settings.store


@login_not_required
@require_GET
def welcome_board(request, token):
    store = _board_store(token)
    return render(request, "appointments/welcome_board.html", _board_context(store, token))


@login_not_required
@require_GET
def welcome_board_rows(request, token):
    store = _board_store(token)
    return render(request, "appointments/partials/welcome_board_rows.html", _board_context(store, token))


def _board_context(store, token):
    today = capacity.local(store, timezone.now()).date()
    return {"store": store, "token": token, "rows": selectors.welcome_board(store, today),
            "refresh_seconds": BOARD_REFRESH_SECONDS, "today": today}


@permission_required("appointments.view_appointment", raise_exception=True)
@require_GET
def day_book(request):
    stores = list(for_user(Store.objects.filter(is_active=True), request.user))
    if not stores:
        raise Http404
    store = next((s for s in stores if s.code == request.GET.get("store")), stores[0])
    today = capacity.local(store, timezone.now()).date()
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = today
    appointments = list(selectors.day_book(store, day))
    plan_day = capacity.CapacityPlan(store, day, day).days()[0]
    by_slot = {}
    for appointment in appointments:
        by_slot.setdefault(appointment.starts_at, []).append(appointment)
    rows = [{"slot": slot, "appointments": by_slot.get(slot.starts_at, [])} for slot in plan_day.slots]
    return render(request, "appointments/day_book.html", {
        "store": store, "stores": stores, "day": day, "plan_day": plan_day, "rows": rows,
        "previous_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
    })
