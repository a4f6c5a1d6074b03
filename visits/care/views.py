"""Campaign pages. Thin: the work is in campaigns.py (a care call's answer is recorded on the
call screen, through the call-outcome registry: calls.py and outcomes.py)."""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.models import Store
from aftersales.scoping import for_user, get_for_user_or_404, sees_every_store
from visits.models import Campaign

from . import campaigns, selectors
from .forms import CampaignForm, SegmentForm

LIST_LIMIT = 50


def _stores(request):
    return for_user(Store.objects.filter(is_active=True), request.user).order_by("code")


@permission_required("visits.manage_campaigns", raise_exception=True)
def campaign_list(request):
    rows = list(for_user(Campaign.objects.select_related("store", "created_by"), request.user)
                .order_by("-created_at", "-id")[:LIST_LIMIT])
    return render(request, "visits/care/campaign_list.html", {"campaigns": rows})


@permission_required("visits.manage_campaigns", raise_exception=True)
def campaign_new(request):
    stores = _stores(request)
    data = request.POST if request.method == "POST" else (request.GET if "store" in request.GET else None)
    segment_form = SegmentForm(data, stores=stores, every_store=sees_every_store(request.user),
                               initial={"store": stores.first()})
    campaign_form = CampaignForm(request.POST if request.method == "POST" else None)
    found = None
    if data is not None and segment_form.is_valid():
        store = segment_form.cleaned_data["store"]  # None: every store
        found = campaigns.preview(store.pk if store else None, segment_form.segment())
        if request.method == "POST" and campaign_form.is_valid():
            campaign = campaigns.create_campaign(
                store=store, by=request.user, segment=segment_form.segment(), **campaign_form.cleaned_data
            )
            return redirect("visits:campaign", campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "visits/care/campaign_new.html", {
        "segment_form": segment_form, "campaign_form": campaign_form, "found": found,
    }, status=status)


def _campaign(request, pk):
    return get_for_user_or_404(Campaign.objects.select_related("store", "created_by"), request.user, pk=pk)


@permission_required("visits.manage_campaigns", raise_exception=True)
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    context = {"campaign": campaign, "progress": selectors.campaign_progress(campaign)}
    if campaign.status == Campaign.Status.DRAFT:
        context["found"] = campaigns.preview(campaign.store_id, campaign.segment)
    if request.htmx:
        return render(request, "visits/care/partials/campaign_progress.html", context)
    context["recipients"] = list(campaign.occasions.select_related("customer").order_by("-id")[:20])
    return render(request, "visits/care/campaign_detail.html", context)


@require_POST
@permission_required("visits.manage_campaigns", raise_exception=True)
def campaign_send(request, pk):
    campaign = _campaign(request, pk)
    if campaigns.send_campaign(campaign.pk):
        messages.success(request, _("The campaign is being queued."))
    else:
        messages.info(request, _("This campaign was sent already; nothing was sent twice."))
    return redirect("visits:campaign", campaign.pk)

