from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from aftersales.htmx import render_page
from aftersales.pagination import keyset_page, keyset_page_by_id
from aftersales.prepared import prepared_reads
from aftersales.scoping import for_user_in_order, get_for_user_or_404

from . import panels, selectors, services
from .exports import export_customers, export_visits
from .filters import CustomerFilter, ServiceVisitFilter
from .forms import (
    ConsentForm,
    CustomerForm,
    DocumentForm,
    MergeForm,
    ServiceVisitForm,
    TransferForm,
    VehicleForm,
)
from .models import Customer, ServiceDocument, ServiceVisit, Vehicle
from .rows import customer_rows, repair_order_rows, search_result_rows
from .uploads import download_view

PAGE_SIZE = 50
# The search page's form; its submit (not the live search while typing) opens a single match.
SEARCH_FORM_ID = "customer-search-form"
SEARCH_GROUP_LABELS = {
    selectors.GROUP_MOBILE: gettext_lazy("Mobile ending in these digits"),
    selectors.GROUP_VIN: gettext_lazy("VIN ending in these characters"),
}


def _form_page(request, form, *, title, back, multipart=False):
    return render(
        request,
        "customers/form.html",
        {"form": form, "title": title, "back": resolve_url(back), "multipart": multipart},
    )


@vary_on_headers("HX-Request")
@permission_required("customers.view_customer", raise_exception=True)
def search(request):
    query = request.GET.get("q", "")
    groups = selectors.search_groups(request.user, query)
    matches = list(dict.fromkeys(pk for _group, ids in groups for pk in ids))
    # Exactly one match opens the file, when the search was sent (not while typing).
    if len(matches) == 1 and (not request.htmx or request.htmx.trigger == SEARCH_FORM_ID):
        target = reverse("customers:detail", args=[matches[0]])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    by_id = {row.pk: row for row in search_result_rows(selectors.customers_for_results(matches))}
    results = [by_id[pk] for pk in matches if pk in by_id]
    grouped = [
        (group, SEARCH_GROUP_LABELS[group], [by_id[pk] for pk in ids if pk in by_id])
        for group, ids in groups if group
    ]
    return render_page(request, "customers/search.html", "customers/partials/search_results.html", {
        "query": query, "results": results, "groups": grouped, "search_form_id": SEARCH_FORM_ID,
    })


@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request):
    customers = CustomerFilter(
        request.GET, queryset=for_user_in_order(Customer.objects.active(), request.user), request=request
    )
    page = keyset_page(
        selectors.customer_list_source(customers.qs), order=("-id",), cursor=request.GET.get("after"), size=PAGE_SIZE
    )
    return render_page(request, "customers/customer_list.html", "customers/partials/customer_rows.html",
                       {"filter": customers, "page": page, "rows": customer_rows(page)})


@permission_required("customers.export_customers", raise_exception=True)
def customer_export(request):
    customers = CustomerFilter(
        request.GET, queryset=for_user_in_order(Customer.objects.active(), request.user), request=request
    )
    return export_customers(customers.qs.order_by("-id"), full_mobile=False)


@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request):
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            customer = form.save()
        messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
        return redirect("customers:detail", customer.pk)
    return _form_page(request, form, title=_("New customer"), back="customers:list")


@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request, pk):
    customer = get_for_user_or_404(Customer.objects.active(), request.user, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Changes saved."))
        return redirect("customers:detail", customer.pk)
    return _form_page(request, form, title=_("Edit %(name)s") % {"name": customer.name}, back=customer)


@permission_required("customers.view_customer", raise_exception=True)
@prepared_reads()
def customer_detail(request, pk):
    customer = get_for_user_or_404(
        panels.annotate(Customer.objects.select_related("store")), request.user, pk=pk
    )
    if customer.merged_into_id:
        messages.info(request, _("This record was merged; showing the customer it was merged into."))
        return redirect("customers:detail", customer.merged_into_id)
    context = selectors.customer_file(customer, selectors.timeline_size(request.GET.get("timeline")))
    context.update(customer=customer, consent_form=ConsentForm())
    # "Show older" swaps in the longer timeline alone.
    return render_page(request, "customers/customer_detail.html", "customers/partials/timeline.html", context)


@require_POST
@permission_required("customers.reveal_mobile", raise_exception=True)
def reveal_mobile(request, pk):
    customer = get_for_user_or_404(Customer.objects.active(), request.user, pk=pk)
    mobile = services.reveal_mobile(customer=customer, user=request.user)
    return render(request, "customers/partials/mobile.html", {"customer": customer, "mobile": mobile})


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def record_consent(request, pk):
    customer = get_for_user_or_404(Customer.objects.active(), request.user, pk=pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.record_consent(customer=customer, by=request.user, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("The consent was not recorded: %(errors)s") % {
            "errors": "; ".join(e for errors in form.errors.values() for e in errors)
        })
    return redirect("customers:detail", customer.pk)


@permission_required("customers.merge_customer", raise_exception=True)
def customer_merge(request, pk):
    customer = get_for_user_or_404(Customer.objects.active(), request.user, pk=pk)
    candidates = selectors.merge_candidates(customer)
    form = MergeForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.merge_customers(
                kept=customer, merged=form.cleaned_data["duplicate"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Merged: everything of %(name)s is now on this file.") % {
                "name": record.merged.name
            })
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/merge.html", {"customer": customer, "form": form})


@permission_required("customers.add_vehicle", raise_exception=True)
def vehicle_create(request, pk):
    customer = get_for_user_or_404(Customer.objects.active(), request.user, pk=pk)
    form = VehicleForm(request.POST or None, instance=Vehicle(store=customer.store, owner=customer))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_vehicle(form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Vehicle added."))
            return redirect("customers:detail", customer.pk)
    return _form_page(request, form, title=_("Add a vehicle for %(name)s") % {"name": customer.name}, back=customer)


@permission_required("customers.change_vehicle", raise_exception=True)
def vehicle_edit(request, pk):
    vehicle = get_for_user_or_404(Vehicle.objects.select_related("owner"), request.user, pk=pk)
    form = VehicleForm(request.POST or None, instance=vehicle)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.instance.full_clean()
                form.save()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", vehicle.owner_id)
    return _form_page(request, form, title=_("Edit vehicle %(vehicle)s") % {"vehicle": vehicle}, back=vehicle.owner)


@permission_required("customers.change_vehicle", raise_exception=True)
def vehicle_transfer(request, pk):
    vehicle = get_for_user_or_404(Vehicle.objects.select_related("owner"), request.user, pk=pk)
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                new_owner = selectors.customer_by_mobile(vehicle.store_id, data["new_owner_mobile"])
                if new_owner is None:
                    new_owner = Customer.objects.create(
                        store_id=vehicle.store_id, name=data["new_owner_name"],
                        mobile=data["new_owner_mobile"],
                    )
                services.transfer_vehicle(
                    vehicle=vehicle, new_owner=new_owner, on=data["transferred_on"], note=data["note"]
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(vehicle)s now belongs to %(name)s.") % {
                "vehicle": vehicle, "name": new_owner.name
            })
            return redirect("customers:detail", new_owner.pk)
    return _form_page(request, form, title=_("Transfer %(vehicle)s to a new owner") % {"vehicle": vehicle}, back=vehicle.owner)


@permission_required("customers.view_servicevisit", raise_exception=True)
def visit_list(request):
    visits = ServiceVisitFilter(
        request.GET, queryset=for_user_in_order(ServiceVisit.objects.all(), request.user), request=request
    )
    page = keyset_page_by_id(
        visits.qs, selectors.repair_order_row_source(),
        order=("-opened_at", "-id"), cursor=request.GET.get("after"), size=PAGE_SIZE,
    )
    return render_page(request, "customers/visit_list.html", "customers/partials/visit_rows.html",
                       {"filter": visits, "page": page, "rows": repair_order_rows(page)})


@permission_required("customers.export_customers", raise_exception=True)
def visit_export(request):
    visits = ServiceVisitFilter(
        request.GET, queryset=for_user_in_order(ServiceVisit.objects.all(), request.user), request=request
    )
    return export_visits(visits.qs.order_by("-opened_at", "-id"))


@permission_required("customers.add_servicevisit", raise_exception=True)
def visit_create(request, vehicle_pk):
    vehicle = get_for_user_or_404(Vehicle.objects.select_related("owner"), request.user, pk=vehicle_pk)
    visit = ServiceVisit(store_id=vehicle.store_id, vehicle=vehicle, customer_id=vehicle.owner_id)
    return _visit_form(request, visit, vehicle, title=_("New repair order for %(vehicle)s") % {"vehicle": vehicle})


@permission_required("customers.change_servicevisit", raise_exception=True)
def visit_edit(request, pk):
    visit = get_for_user_or_404(ServiceVisit.objects.select_related("vehicle"), request.user, pk=pk)
    return _visit_form(request, visit, visit.vehicle, title=_("Edit repair order %(no)s") % {"no": visit.order_no})


def _visit_form(request, visit, vehicle, *, title):
    form = ServiceVisitForm(request.POST or None, instance=visit, vehicle=vehicle)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_visit(form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Repair order %(no)s saved.") % {"no": visit.order_no})
            return redirect("customers:detail", visit.customer_id)
    return _form_page(request, form, title=title, back=vehicle.owner)


@permission_required("customers.add_servicedocument", raise_exception=True)
def document_upload(request, pk):
    customer = get_for_user_or_404(Customer.objects.active(), request.user, pk=pk)
    document = ServiceDocument(customer=customer, uploaded_by=request.user)
    form = DocumentForm(request.POST or None, request.FILES or None, instance=document, customer=customer)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        document.original_name = upload.name[:200]
        document.size = upload.size
        document.content_type = form.content_type
        with transaction.atomic():
            form.save()
        messages.success(request, _("%(name)s attached.") % {"name": document.original_name})
        return redirect("customers:detail", customer.pk)
    return _form_page(request, form, title=_("Attach a document to %(name)s's file") % {"name": customer.name},
                      back=customer, multipart=True)


document_download = download_view(ServiceDocument, "customers.view_servicedocument")
