"""Registering a complaint from wherever the customer is on screen: the customer's file
(?customer=), the call screen (?followup=) or a repair order (?visit=)."""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.scoping import get_for_user_or_404
from customers.models import Customer, ServiceVisit
from visits import selectors as visit_selectors

from ..forms import RegistrationForm
from ..models import Complaint
from ..services import register_complaint
from .handling import save_attachments

# The customer's earlier complaints shown while registering a new one.
EARLIER_COMPLAINTS = 5


def _started_from(request):
    """(customer, repair order, initial values, where to go back) from the query string, scoped
    to the user's stores; None when the page was opened without a customer."""
    user, params = request.user, request.GET
    if params.get("followup"):
        followup = visit_selectors.followup_for_user_or_404(user, _pk(params["followup"]))
        initial = {"channel": Complaint.Channel.RETURN_VISIT, "visit": followup.visit_id}
        return followup.customer, followup.visit, initial, reverse("visits:call", args=[followup.pk])
    if params.get("visit"):
        visit = get_for_user_or_404(
            ServiceVisit.objects.select_related("customer__store"), user, pk=_pk(params["visit"])
        )
        return visit.customer, visit, {"visit": visit.pk}, reverse("customers:detail", args=[visit.customer_id])
    if params.get("customer"):
        customer = get_for_user_or_404(
            Customer.objects.active().select_related("store"), user, pk=_pk(params["customer"])
        )
        return customer, None, {}, reverse("customers:detail", args=[customer.pk])
    return None


def _pk(value):
    if not value.isdigit():
        raise Http404
    return int(value)


@permission_required("complaints.add_complaint", raise_exception=True)
def register(request):
    started = _started_from(request)
    if started is None:
        messages.info(request, _("Open the customer's file (or the call, or the repair order) and register the "
                                 "complaint from there."))
        return redirect("customers:search")
    customer, visit, initial, back = started
    if customer.merged_into_id:
        raise Http404
    form = RegistrationForm(request.POST or None, request.FILES or None, customer=customer, visit=visit,
                            initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            complaint = register_complaint(
                store=customer.store, customer=customer, by=request.user, channel=data["channel"],
                category=data["category"], severity=data["severity"], description=data["description"].strip(),
                visit=data["visit"], staff_concerned=data["staff_concerned"].strip(),
            )
            save_attachments(complaint, data["attachments"], request.user)
        messages.success(request, _("Complaint %(number)s registered.") % {"number": complaint.number})
        if complaint.severity != data["severity"]:
            messages.warning(request, _(
                "This is the customer's third complaint within 12 months, so its severity was raised to "
                "“%(severity)s”."
            ) % {"severity": complaint.get_severity_display()})
        return redirect("complaints:detail", complaint.pk)
    earlier = list(
        Complaint.objects.filter(customer=customer).only("pk", "number", "status", "created_at", "category")
        .order_by("-created_at", "-id")[:EARLIER_COMPLAINTS]
    )
    return render(request, "complaints/register.html", {
        "form": form, "customer": customer, "visit": visit, "back": back, "earlier": earlier,
    }, status=400 if form.errors else 200)
