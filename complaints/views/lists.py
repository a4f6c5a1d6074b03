"""The complaint list and its export, the department inbox and the supervisor's triage board."""
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from aftersales.htmx import render_page
from aftersales.scoping import visible_stores

from .. import selectors
from ..exports import export_complaints
from ..filters import PICK_A_STORE, ComplaintFilter, picked_store_id


@permission_required("complaints.view_complaint", raise_exception=True)
def complaint_list(request):
    complaints = ComplaintFilter(request.GET, request=request)
    context = selectors.complaint_page(
        complaints.qs, store_ids=complaints.chosen_store_ids, now=complaints.now, cursor=request.GET.get("after"),
        searching=complaints.searching, few_rows_queryset=complaints.few_rows_qs,
        rare_words=complaints.rare_words, common_words=complaints.common_words,
    )
    context.update(filter=complaints, now=complaints.now, several_stores=complaints.several_stores,
                   page_moment=f"{complaints.now.timestamp():.6f}")
    return render_page(request, "complaints/list.html", "complaints/partials/list_rows.html", context)


@require_GET
@permission_required("complaints.view_complaint", raise_exception=True)
def department_options(request):
    """The department choices of the list's filter for the store picked in it (an htmx fragment):
    that store's departments if it is one of the user's, else none."""
    store_ids = [store.pk for store in visible_stores(request.user)]
    picked = picked_store_id(request.GET, store_ids)
    departments = selectors.department_choices([picked], with_store=False) if picked is not None else []
    return render(request, "complaints/partials/department_options.html", {
        "departments": departments, "empty_label": "---------" if departments else PICK_A_STORE,
    })


@permission_required("complaints.export_complaints", raise_exception=True)
def export(request):
    complaints = ComplaintFilter(request.GET, request=request)
    return export_complaints(complaints.qs, now=complaints.now)


@permission_required("complaints.answer_complaint", raise_exception=True)
def department_inbox(request):
    """A department head's inbox: their own department's. A supervisor may look at any
    department of their stores (?department=)."""
    user = request.user
    can_pick = user.has_perm("complaints.triage_complaint")
    stores = visible_stores(user)
    departments = selectors.departments_of([store.pk for store in stores])
    picked = request.GET.get("department") if can_pick else None
    wanted = picked or user.department_id
    department = next((d for d in departments if str(d.pk) == str(wanted)), None) if wanted else None
    if picked and department is None:
        raise Http404("No such department in your stores.")
    now = timezone.now()
    context = {
        "department": department, "departments": departments if can_pick else [], "can_pick": can_pick,
        "several_stores": len(stores) > 1, "now": now,
    }
    if department is not None:
        context.update(selectors.department_inbox(department, now=now))
    return render_page(request, "complaints/inbox.html", "complaints/partials/inbox_body.html", context)


@permission_required("complaints.triage_complaint", raise_exception=True)
def triage_board(request):
    stores = visible_stores(request.user)
    picked = request.GET.get("store")
    chosen = [store for store in stores if str(store.pk) == picked] or stores
    now = timezone.now()
    context = selectors.triage_board([store.pk for store in chosen], now=now)
    context.update(stores=stores, chosen=chosen, several_stores=len(chosen) > 1, now=now)
    return render_page(request, "complaints/triage.html", "complaints/partials/triage_body.html", context)
