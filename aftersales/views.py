from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aftersales.htmx import render_page
from . import health
from .filters import StoreFilter
from .history import describe, events_for, is_tracked
from .jobs import enqueue_on_commit
from .models import Store
from .navigation import start_page
from .scoping import for_user, get_for_user_or_404
from .tasks import backup_database

STORES_PER_PAGE = 50
HISTORY_LIMIT = 200


def home(request):
    # A role with a start page of its own (managers: the KPI dashboard) goes there; the workbench
    # stays one click away (?workbench=1).
    target = start_page(request.user) if not request.GET.get("workbench") else None
    if target:
        return redirect(target)
    stores = for_user(Store.objects.filter(is_active=True), request.user)
    return render(request, "aftersales/home.html", {"stores": stores, "role": request.user.role})


@permission_required("aftersales.view_store", raise_exception=True)
def store_list(request):
    store_filter = StoreFilter(request.GET, queryset=for_user(Store.objects.all(), request.user))
    page = Paginator(store_filter.qs, STORES_PER_PAGE).get_page(request.GET.get("page"))
    return render_page(request, "aftersales/store_list.html", "aftersales/partials/store_rows.html",
                       {"filter": store_filter, "page": page})


@permission_required("aftersales.view_store", raise_exception=True)
def store_detail(request, pk):
    store = get_for_user_or_404(Store, request.user, pk=pk)
    departments = store.departments.select_related("head")
    staff = store.staff.filter(is_active=True).prefetch_related("groups").order_by("username")
    return render(
        request,
        "aftersales/store_detail.html",
        {"store": store, "departments": departments, "staff": staff},
    )


@permission_required("aftersales.view_history", raise_exception=True)
def object_history(request, app_label, model_name, pk):
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404("No such record type.") from None
    if not is_tracked(model):
        raise Http404("This record type keeps no history.")
    if not request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
        raise PermissionDenied
    obj = get_for_user_or_404(model, request.user, pk=pk)
    events = [
        (event, describe(event, model)) for event in events_for(obj, limit=HISTORY_LIMIT)
    ]
    return render(
        request,
        "aftersales/history.html",
        {"object": obj, "opts": model._meta, "events": events, "limit": HISTORY_LIMIT},
    )


@login_not_required
def favicon(request):
    # Resolved per request: the hashed static name exists only after collectstatic.
    return redirect(static("img/favicon.svg"), permanent=True)


def locked_out(request, original_response=None, credentials=None):
    """What axes shows on a locked-out login: the login page's look, with the wait."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(
        request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429
    )


@login_not_required
@never_cache
def healthz(request):
    checks = health.system_health()
    body = {check.name: check.summary for check in checks}
    status = 200 if all(check.ok for check in checks) else 503
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@permission_required("aftersales.view_system_health", raise_exception=True)
@never_cache
def system_health(request):
    checks = health.system_health()
    status = 200 if all(check.ok for check in checks) else 503
    context = {"checks": checks, "unpublished_calendar_years": health.unpublished_calendar_years()}
    return render(request, "aftersales/system_health.html", context, status=status)


@require_POST
@permission_required("aftersales.run_backup", raise_exception=True)
def request_backup(request):
    enqueue_on_commit(backup_database)
    messages.success(request, _("A database backup has been queued; it runs within a minute."))
    return redirect("system_health")


@login_not_required  # the switch works on the login page too
def switch_language(request):
    """Django's language switch (the cookie for this computer), and for a signed-in user their
    own language as well, which their emails and their other computers follow."""
    from django.utils.translation import check_for_language
    from django.views.i18n import set_language

    from .models import User

    response = set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and check_for_language(language) \
            and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response
