"""The monthly review's pages (seed 003): the advisor scorecard, mystery-shopper checks and
corrective actions (整改措施)."""
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

import complaints.selectors as complaint_selectors
from aftersales.db_routers import reading_reports
from aftersales.models import User
from aftersales.scoping import get_for_user_or_404

from . import metrics, selectors
from .forms import ActionProgressForm, CorrectiveActionForm, MysteryShopperForm
from .metrics import FIGURES, Period
from .models import CorrectiveAction, MysteryShopperCheck, MysteryShopperPolicy
from .reports import as_text
from .views import VIEW, _month, _store

SCORECARD = ["repair_orders", "return_visit_rate", "contact_rate", "satisfaction_rate", "average_score",
             "dissatisfactions", "complaints", "complaint_rate", "mystery_shopper_score", "appointment_rate",
             "show_rate", "d2_confirmation_rate"]
MS_LIMIT = 100
ACTION_LIMIT = 200


def _advisors(store):
    return User.objects.filter(is_active=True, groups__name="advisor", stores=store).order_by("full_name", "username")


def scorecard_rows(store, period):
    zone = metrics.zone_of([store])
    table = metrics.compute(store_ids=[store.pk], period=period, zone=zone, by=("advisor",), figures=SCORECARD)
    policy = MysteryShopperPolicy.for_store(store.pk)
    advisor_ids = {key[0] for key in table.rows if key[0] is not None}
    people = {user.pk: user for user in User.objects.filter(pk__in=advisor_ids | set(
        _advisors(store).values_list("pk", flat=True)))}
    rows = []
    for advisor_id in sorted(people, key=lambda pk: str(people[pk])):
        values = selectors.month_values(table, period, SCORECARD, (advisor_id,))
        ms = values["mystery_shopper_score"]
        rows.append({"advisor": people[advisor_id], "values": values, "ms_band": policy.band(ms.value)})
    return rows, policy


@permission_required(VIEW, raise_exception=True)
def scorecard(request):
    stores = selectors.visible_stores(request.user)
    if not stores:
        raise PermissionDenied
    month = Period.containing("month", selectors.local_today(stores[0])).previous()
    return redirect("kpi:store_scorecard", stores[0].code, month.start.year, month.start.month)


@permission_required(VIEW, raise_exception=True)
def store_scorecard(request, code, year, month):
    store, period = _store(request, code), _month(year, month)
    with reading_reports() as source:
        rows, policy = scorecard_rows(store, period)
    return render(request, "kpi/scorecard.html", {
        "store": store, "period": period, "rows": rows, "figures": [FIGURES[key] for key in SCORECARD],
        "policy": policy, "previous": period.previous(), "next": period.next(), "freshness": source.freshness,
    })


@permission_required(VIEW, raise_exception=True)
def store_scorecard_xlsx(request, code, year, month):
    store, period = _store(request, code), _month(year, month)
    with reading_reports() as source:
        rows, _policy = scorecard_rows(store, period)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Advisor scorecard")[:31])
    sheet.append([_("Service advisor"), *[str(FIGURES[key].label) for key in SCORECARD]])
    for row in rows:
        sheet.append([as_text(str(row["advisor"])), *[
            float(row["values"][key].value) if row["values"][key].value is not None else None for key in SCORECARD
        ]])
    if source.freshness and source.freshness.note:
        sheet.append([])
        sheet.append([source.freshness.note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"scorecard-{store.code}-{period}.xlsx")


@permission_required("kpi.view_mysteryshoppercheck", raise_exception=True)
def mystery_shopper(request):
    stores = selectors.visible_stores(request.user)
    store = next((s for s in stores if s.code == request.GET.get("store")), stores[0] if stores else None)
    if store is None:
        raise PermissionDenied
    form = None
    if request.user.has_perm("kpi.add_mysteryshoppercheck"):
        form = MysteryShopperForm(request.POST or None, advisors=_advisors(store))
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                MysteryShopperCheck.objects.create(store=store, recorded_by=request.user, **form.cleaned_data)
            messages.success(request, _("Mystery-shopper check recorded."))
            return redirect(f"{request.path}?store={store.code}")
    elif request.method == "POST":
        raise PermissionDenied
    policy = MysteryShopperPolicy.for_store(store.pk)
    checks = list(MysteryShopperCheck.objects.filter(store=store).select_related("advisor")
                  .order_by("-checked_on", "-id")[:MS_LIMIT])
    return render(request, "kpi/mystery_shopper.html", {
        "store": store, "stores": stores, "form": form, "policy": policy,
        "checks": [(check, policy.band(check.score)) for check in checks],
    })


@permission_required("kpi.view_correctiveaction", raise_exception=True)
def actions(request):
    stores = selectors.visible_stores(request.user)
    store = next((s for s in stores if s.code == request.GET.get("store")), stores[0] if stores else None)
    if store is None:
        raise PermissionDenied
    form = None
    if request.user.has_perm("kpi.add_correctiveaction"):
        initial = {"figure": request.GET.get("figure", ""), "complaint": request.GET.get("complaint", "")}
        staff = User.objects.filter(is_active=True, stores=store).order_by("full_name", "username")
        form = CorrectiveActionForm(request.POST or None, staff=staff, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            complaint = None
            if data["complaint"]:
                complaint = complaint_selectors.kpi_complaint_by_number([store.pk], data["complaint"])
                if complaint is None:
                    form.add_error("complaint", _("No complaint with this number at this store."))
            if not form.errors:
                before = ""
                if data["figure"]:
                    month = Period.containing("month", selectors.local_today(store))
                    value = metrics.compute(store_ids=[store.pk], period=month, zone=metrics.zone_of([store]),
                                            figures=[data["figure"]]).get((), data["figure"])
                    before = value.display if value else metrics.EMPTY
                with transaction.atomic():
                    CorrectiveAction.objects.create(
                        store=store, title=data["title"], figure=data["figure"], complaint=complaint,
                        owner=data["owner"], due_on=data["due_on"], figure_before=before, opened_by=request.user,
                    )
                messages.success(request, _("Corrective action opened."))
                return redirect(f"{request.path}?store={store.code}")
    elif request.method == "POST":
        raise PermissionDenied
    today = selectors.local_today(store)
    items = list(CorrectiveAction.objects.filter(store=store).select_related("owner", "complaint")
                 .order_by("state", "due_on", "id")[:ACTION_LIMIT])
    return render(request, "kpi/actions.html", {
        "store": store, "stores": stores, "form": form, "today": today,
        "items": [(item, item.is_overdue(today)) for item in items],
    })


@login_required
def action_update(request, pk):
    """The owner (or a manager) records progress and moves the action's state: the escalation
    emails link here, so an owner without the actions page (an advisor, a department head) can."""
    action = get_for_user_or_404(CorrectiveAction.objects.select_related("store"), request.user, pk=pk)
    if action.owner_id != request.user.pk and not request.user.has_perm("kpi.change_correctiveaction"):
        raise PermissionDenied
    form = ActionProgressForm(request.POST or None, initial={"state": action.state, "note": action.note})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
            locked.state = form.cleaned_data["state"]
            locked.note = form.cleaned_data["note"]
            locked.done_at = timezone.now() if locked.state == CorrectiveAction.State.DONE else None
            locked.save(update_fields=["state", "note", "done_at"])
        messages.success(request, _("Corrective action updated."))
        return redirect(f"{reverse_actions()}?store={action.store.code}")
    return render(request, "kpi/action_update.html", {"action": action, "form": form})


def reverse_actions():
    from django.urls import reverse

    return reverse("kpi:actions")
