import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.htmx import render_page
from aftersales.prepared import prepared_reads
from aftersales.scoping import get_for_user_or_404, visible_stores
from complaints import selectors as complaint_selectors
from customers.models import Customer, ServiceVisit

from . import filters, selectors, services
from .services import call_outcomes
from .forms import AssignForm, CallOutcomeForm, DayForm, SurveyForm
from .models import CallAttempt, EndOfDayReport, FollowUp, QUESTIONS
from .rows import queue_rows
from .services.calls import questions_to_ask


@permission_required("customers.view_customer", raise_exception=True)
@prepared_reads()
def customer_calls(request, pk):
    """The customer file's return-visit section, loaded by the page once it is shown: the file
    opens without waiting for the calls, answers and care behind it."""
    customer = get_for_user_or_404(Customer.objects.all(), request.user, pk=pk)
    return render(request, "visits/partials/customer_calls.html", selectors.customer_calls(customer))


def _chosen_stores(request):
    """The stores a page covers: the user's, or the one picked with ?store= among them."""
    stores = visible_stores(request.user, active_only=True)
    picked = request.GET.get("store")
    chosen = [s for s in stores if str(s.pk) == picked] or stores
    return stores, chosen


@permission_required("visits.work_queue", raise_exception=True)
@prepared_reads()
def queue(request):
    stores, chosen = _chosen_stores(request)
    now = timezone.now()
    context = selectors.queue(stores=chosen, today=timezone.localdate(now), now=now)
    queue_rows(context["items"])
    context.update(
        stores=stores, chosen=chosen, several_stores=len(stores) > 1, now=now, today=timezone.localdate(now),
        my_call=services.queue.current_claim(request.user, now),
    )
    return render_page(request, "visits/queue.html", "visits/partials/queue_body.html", context)


@require_POST
@permission_required("visits.work_queue", raise_exception=True)
def next_call(request):
    _stores, chosen = _chosen_stores(request)
    followup = services.claim_next(agent=request.user, store_ids=[s.pk for s in chosen])
    if followup is None:
        messages.info(request, _("Nothing to call right now: the queue is empty or every call is waiting."))
        return redirect("visits:queue")
    return redirect("visits:call", followup.pk)


def _followup_for(request, pk):
    # Joined: what the call screen always shows; the repair order (with its advisor) read by key.
    # The agent holding the call is read only when the page names them (held by another). With
    # all nine joined PostgreSQL spent 6.6 ms planning a 0.4 ms query, on the page an agent opens
    # for every call.
    return get_for_user_or_404(
        FollowUp.objects.select_related("store", "customer", "vehicle", "rule").prefetch_related(
            Prefetch("visit", queryset=ServiceVisit.objects.select_related("advisor")),
        ),
        request.user, pk=pk,
    )


def _record_other_modules_result(request, followup):
    """A call another module put in the queue (an appointment's confirmation): its answer."""
    kind = call_outcomes.kind_of(followup)
    if kind is not None and kind.results:
        call_outcomes.record_result(followup=followup, result=request.POST.get("call_result", ""),
                                    agent=request.user, data=request.POST, now=timezone.now())


def _call_page(request, followup, *, outcome_form=None, survey_form=None, status=200):
    context = selectors.call_screen(followup)
    questions = context["questions"]
    context.update(
        outcome_form=outcome_form or CallOutcomeForm(),
        survey_form=survey_form or SurveyForm(questions=questions, require_overall=followup.takes_survey),
        mine=followup.is_claimed_by(request.user),
        held_by_other=followup.is_claimed_by_another(request.user),
        assign_form=(
            AssignForm(store=followup.store, initial={"agent": followup.assigned_to_id})
            if request.user.has_perm("visits.assign_followup") else None
        ),
        all_questions=QUESTIONS,
        # Agents work call after call; supervisors, who also assign, go back to the queue.
        next_by_default=not request.user.has_perm("visits.assign_followup"),
        call_kind=call_outcomes.kind_of(followup),
        chosen_result=request.POST.get("call_result", "") if request.method == "POST" else "",
    )
    return render(request, "visits/call.html", context, status=status)


@permission_required("visits.work_queue", raise_exception=True)
@prepared_reads()
def call(request, pk):
    followup = _followup_for(request, pk)
    if followup.merged_into_id:
        messages.info(request, _("This call is covered by another call to the same customer."))
        return redirect("visits:call", followup.merged_into_id)
    return _call_page(request, followup)


@require_POST
@permission_required("visits.work_queue", raise_exception=True)
def record_call(request, pk):
    followup = _followup_for(request, pk)
    outcome_form = CallOutcomeForm(request.POST)
    questions = questions_to_ask(followup)
    reached = request.POST.get("outcome") == CallAttempt.Outcome.REACHED
    survey_form = SurveyForm(request.POST, questions=questions, require_overall=reached and followup.takes_survey)
    valid = outcome_form.is_valid() & (not reached or survey_form.is_valid())
    if valid:
        data = outcome_form.cleaned_data
        then_next = request.POST.get("then") == "next"
        call = {
            "followup_id": followup.pk, "agent": request.user, "outcome": data["outcome"], "note": data["note"],
            "call_back_at": data["call_back_at"], "answers": survey_form.answers() if reached else None,
        }
        try:
            with transaction.atomic():
                if then_next:
                    _attempt, next_followup = services.record_attempt_and_claim_next(**call)
                else:
                    services.record_attempt(**call)
                if reached:
                    _record_other_modules_result(request, followup)
        except ValidationError as error:
            outcome_form.add_error(None, error)
        else:
            messages.success(request, _("Call recorded: %(outcome)s.") % {
                "outcome": CallAttempt.Outcome(data["outcome"]).label
            })
            opened = complaint_selectors.opened_from_call(followup.pk) if reached else None
            if opened:
                messages.warning(request, format_html(
                    '{} <a href="{}">{}</a>', _("Complaint opened:"),
                    reverse("complaints:detail", args=[opened["pk"]]), opened["number"],
                ))
            if not then_next:
                return redirect("visits:queue")
            if next_followup is None:
                messages.info(request, _("Nothing to call right now: the queue is empty or every call is waiting."))
                return redirect("visits:queue")
            return redirect("visits:call", next_followup.pk)
    return _call_page(request, followup, outcome_form=outcome_form, survey_form=survey_form, status=400)


@require_POST
@permission_required("visits.work_queue", raise_exception=True)
def release_call(request, pk):
    followup = _followup_for(request, pk)
    try:
        services.release(followup=followup, agent=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, _("The call is back in the queue."))
    return redirect("visits:queue")


@require_POST
@permission_required("visits.assign_followup", raise_exception=True)
def assign_call(request, pk):
    followup = _followup_for(request, pk)
    form = AssignForm(request.POST, store=followup.store)
    if form.is_valid():
        agent = form.cleaned_data["agent"]
        try:
            services.assign(followup=followup, agent=agent, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Assigned to %(agent)s.") % {"agent": agent} if agent
                             else _("The call is open to every agent again."))
    else:
        messages.error(request, _("Choose an agent of this store."))
    return redirect("visits:call", followup.pk)


def _day_and_zone(request, chosen):
    form = DayForm(request.GET or None)
    day = form.cleaned_data.get("date") if form.is_valid() else None
    zone = zoneinfo.ZoneInfo(chosen[0].time_zone) if chosen else timezone.get_current_timezone()
    return form, day or timezone.localtime(timezone.now(), zone).date(), zone


@permission_required("visits.view_call_reports", raise_exception=True)
def today(request):
    """The supervisor's view: each agent's calls, the queue's length and its oldest item."""
    stores, chosen = _chosen_stores(request)
    form, day, zone = _day_and_zone(request, chosen)
    context = selectors.agents_today(store_ids=[s.pk for s in chosen], day=day, zone=zone, now=timezone.now())
    context.update(stores=stores, chosen=chosen, day=day, form=form)
    return render(request, "visits/today.html", context)


@permission_required("visits.view_call_reports", raise_exception=True)
def day_summary(request):
    """The end-of-day summary as a page: live figures for any day, and when it was sent."""
    stores, chosen = _chosen_stores(request)
    form, day, zone = _day_and_zone(request, chosen)
    store_ids = [s.pk for s in chosen]
    figures = selectors.day_figures(store_ids=store_ids, day=day, zone=zone)
    sent = list(EndOfDayReport.objects.filter(store_id__in=store_ids, day=day).select_related("store"))
    return render(request, "visits/summary.html", {
        "stores": stores, "chosen": chosen, "day": day, "form": form, "figures": figures, "sent": sent,
        "averages": selectors.labelled_averages(figures),
        "dissatisfied": [
            {**row, "reason_labels": selectors.labelled_reasons(row["reasons"])} for row in figures["dissatisfied"]
        ],
    })


@permission_required("visits.add_surveyresponse", raise_exception=True)
def on_site_survey(request, visit_pk):
    """The advisor's survey at delivery (seed 001: 现场调查); the return-visit call skips what
    is answered here."""
    visit = get_for_user_or_404(ServiceVisit.objects.select_related("customer", "vehicle"), request.user, pk=visit_pk)
    form = SurveyForm(request.POST or None, questions=QUESTIONS, require_overall=False, require_answer=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_on_site_survey(visit=visit, by=request.user, answers=form.answers())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("On-site survey recorded."))
            return redirect("customers:detail", visit.customer_id)
    return render(request, "visits/on_site_survey.html", {"visit": visit, "form": form},
                  status=400 if form.errors else 200)


# --- Staff lists: the calls, the survey answers and the dissatisfactions (the KPI drill-downs) ----
def _staff_list(request, filter_class, page, template):
    records = filter_class(request.GET, request=request)
    context = page(records.qs, cursor=request.GET.get("after"))
    context.update(filter=records, several_stores=records.several_stores)
    return render(request, template, context)


@permission_required("visits.view_call_reports", raise_exception=True)
def followup_list(request):
    return _staff_list(request, filters.FollowUpFilter, selectors.followup_list_page, "visits/followup_list.html")


@permission_required("visits.view_call_reports", raise_exception=True)
def survey_list(request):
    return _staff_list(request, filters.SurveyFilter, selectors.survey_list_page, "visits/survey_list.html")


@permission_required("visits.view_call_reports", raise_exception=True)
def dissatisfaction_list(request):
    return _staff_list(request, filters.DissatisfactionFilter, selectors.dissatisfaction_list_page,
                       "visits/dissatisfaction_list.html")
