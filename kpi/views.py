"""The managers' pages: the store dashboard (their start page), the group view, targets and the
monthly satisfaction report. Thin: every figure comes from kpi.metrics through kpi.selectors.

The read-only pages read their figures inside `reading_reports()` (from the reports replica when
one is configured, saying how current it is); the store and the user's access are looked up
before, on the primary. Pages that write (targets) read on the primary."""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftersales.db_routers import reading_reports
from aftersales.models import Store
from aftersales.scoping import get_for_user_or_404

from . import reports, rollup, selectors
from .forms import TARGET_FIGURES, TargetsForm
from .metrics import Period
from .models import Target
from .targets import targets_for

VIEW = "kpi.view_dashboard"


def _store(request, code):
    return get_for_user_or_404(Store.objects.filter(is_active=True), request.user, code=code)


def _month(year, month):
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404("No such month.")
    return Period.month(year, month)


@permission_required(VIEW, raise_exception=True)
def dashboard(request):
    """The start page: a one-store manager's dashboard; the group view for a director."""
    stores = selectors.visible_stores(request.user)
    if not stores:
        raise Http404("No store.")
    if len(stores) > 1:
        return redirect("kpi:group")
    return _dashboard_page(request, stores[0], stores)


@permission_required(VIEW, raise_exception=True)
def store_dashboard(request, code):
    store = _store(request, code)
    return _dashboard_page(request, store, None)


def _dashboard_page(request, store, stores):
    with reading_reports() as source:
        context = selectors.store_dashboard(store)
    context.update(several_stores=stores is None, freshness=source.freshness)
    return render(request, "kpi/dashboard.html", context)


@permission_required(VIEW, raise_exception=True)
def group(request):
    stores = selectors.visible_stores(request.user)
    if not stores:
        raise Http404("No store.")
    today = selectors.local_today(stores[0])
    period = Period.containing("month", today)
    picked = request.GET.get("month", "")
    if picked:
        try:
            year, month = (int(part) for part in picked.split("-"))
            period = _month(year, month)
        except ValueError:
            messages.error(request, _("Give the month as YYYY-MM."))
    with reading_reports() as source:
        side_by_side = selectors.group_view(stores, period=period)
    context = {"side_by_side": side_by_side, "period": period, "as_of": side_by_side["as_of"],
               "refresh_minutes": rollup.REFRESH_MINUTES, "previous": period.previous(), "next": period.next(),
               "freshness": source.freshness}
    return render(request, "kpi/group.html", context)


@permission_required("kpi.set_targets", raise_exception=True)
def targets(request):
    stores = selectors.visible_stores(request.user)
    if not stores:
        raise Http404("No store.")
    return redirect("kpi:store_targets", stores[0].code)


@permission_required("kpi.set_targets", raise_exception=True)
def store_targets(request, code):
    """This month's and next month's targets of a store (earlier months are closed)."""
    store = _store(request, code)
    this_month = Period.containing("month", selectors.local_today(store))
    choices = [this_month, this_month.next()]
    wanted = request.POST.get("month") or request.GET.get("month") or str(this_month)
    period = next((month for month in choices if str(month) == wanted), None)
    if period is None:
        messages.error(request, _("Targets can be set for this month and next month only."))
        period = this_month
    current = {
        figure: found for (store_id, month, figure), found in
        targets_for([store.pk], [period.start]).items()
    }
    form = TargetsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for key in TARGET_FIGURES:
                value = form.cleaned_data.get(key)
                if value is None:
                    Target.objects.filter(store=store, month=period.start, figure=key).delete()
                else:
                    Target.objects.update_or_create(store=store, month=period.start, figure=key,
                                                    defaults={"value": value, "set_by": request.user})
        messages.success(request, _("Targets for %(month)s saved.") % {"month": period})
        return redirect(f"{request.path}?month={period}")
    return render(request, "kpi/targets.html", {
        "store": store, "form": form, "period": period, "choices": choices,
        "stores": selectors.visible_stores(request.user),
    })


@permission_required(VIEW, raise_exception=True)
def report(request):
    stores = selectors.visible_stores(request.user)
    if not stores:
        raise Http404("No store.")
    previous = Period.containing("month", selectors.local_today(stores[0])).previous()
    return redirect("kpi:store_report", stores[0].code, previous.start.year, previous.start.month)


@permission_required(VIEW, raise_exception=True)
def store_report(request, code, year, month):
    store = _store(request, code)
    period = _month(year, month)
    stores = selectors.visible_stores(request.user)
    with reading_reports() as source:
        context = reports.report_context(store, period)
    context.update(stores=stores, freshness=source.freshness)
    return render(request, "kpi/report.html", context)


@permission_required(VIEW, raise_exception=True)
def store_report_xlsx(request, code, year, month):
    store, period = _store(request, code), _month(year, month)
    with reading_reports() as source:
        context = reports.report_context(store, period)
    return reports.workbook_response({**context, "freshness": source.freshness},
                                     f"satisfaction-{store.code}-{period}.xlsx")


def _group_report_context(request, year, month):
    """The group's report over the stores the user sees (kept as sent when they are the whole
    group); a one-store manager has their store's report instead (None)."""
    period = _month(year, month)
    stores = selectors.visible_stores(request.user)
    if not stores:
        raise Http404("No store.")
    if len(stores) == 1:
        return None, stores[0], period
    whole_group = len(stores) == Store.objects.filter(is_active=True).count()
    with reading_reports() as source:
        context = reports.group_report_context(stores, period, whole_group=whole_group)
    context.update(freshness=source.freshness, stores=stores, refresh_minutes=rollup.REFRESH_MINUTES)
    return context, None, period


@permission_required(VIEW, raise_exception=True)
def group_report(request, year, month):
    context, only_store, period = _group_report_context(request, year, month)
    if context is None:
        return redirect("kpi:store_report", only_store.code, period.start.year, period.start.month)
    return render(request, "kpi/report.html", context)


@permission_required(VIEW, raise_exception=True)
def group_report_xlsx(request, year, month):
    context, only_store, period = _group_report_context(request, year, month)
    if context is None:
        return redirect("kpi:store_report_xlsx", only_store.code, period.start.year, period.start.month)
    return reports.workbook_response(context, f"satisfaction-group-{period}.xlsx")
