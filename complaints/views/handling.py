"""One complaint: its page with the full timeline, the moves of the loop (each the model's
method, in one transaction) and its attachments."""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from aftersales.prepared import prepared_reads
from aftersales.scoping import get_for_user_or_404
from customers.models import ServiceVisit
from customers.uploads import download_view

from ..forms import AnswerForm, AssignForm, AttachmentForm, CallbackForm, CancelForm, handler_label, handlers_of
from ..models import Complaint, ComplaintAttachment

# The customer's other complaints shown on the page (the newest).
OTHER_COMPLAINTS = 10
DUPLICATES = 20

Status = Complaint.Status

ESCALATION_LABELS = {
    1: gettext_lazy("Handler reminded"),
    2: gettext_lazy("Escalated to the supervisor"),
    3: gettext_lazy("Escalated to the manager"),
}


def _complaint_for(request, pk):
    # Joined: what every page of a complaint shows; the rest read by key, each only when the
    # complaint has one. All eleven joined in one query made PostgreSQL spend 9 ms planning a
    # query that ran in half a millisecond.
    return get_for_user_or_404(
        Complaint.objects.select_related("store", "customer", "department", "handler", "escalation").prefetch_related(
            Prefetch("visit", queryset=ServiceVisit.objects.select_related("vehicle", "advisor")),
            "created_by", "duplicate_of", "dissatisfaction",
        ),
        request.user, pk=pk,
    )


def may_triage(user, complaint):
    return complaint.status == Status.NEW and user.has_perm("complaints.triage_complaint")


def may_answer(user, complaint):
    return (
        complaint.status == Status.ASSIGNED and user.has_perm("complaints.answer_complaint")
        and (user.has_perm("complaints.triage_complaint") or user.department_id == complaint.department_id)
    )


def may_call_back(user, complaint):
    return complaint.status == Status.ANSWERED and user.has_perm("complaints.callback_complaint")


def may_attach(user, complaint):
    """Whoever registers or routes complaints, and the responsible department; open ones only."""
    return complaint.is_open and (
        user.has_perm("complaints.add_complaint") or user.has_perm("complaints.triage_complaint")
        or (user.has_perm("complaints.answer_complaint") and user.department_id is not None
            and user.department_id == complaint.department_id)
    )


def _detail_page(request, complaint, *, forms=None, error=None, status=200):
    """The page, with only the forms the user may use in the complaint's state; `forms` are
    bound forms coming back with their errors."""
    user, forms = request.user, forms or {}
    if may_triage(user, complaint):
        forms.setdefault("assign_form", AssignForm(
            store=complaint.store, handlers_url=reverse("complaints:handler_choices", args=[complaint.pk]),
            initial={"department": complaint.department_id},
        ))
        forms.setdefault("cancel_form", CancelForm(complaint=complaint))
    if may_answer(user, complaint):
        forms.setdefault("answer_form", AnswerForm(initial={
            "investigation": complaint.investigation, "root_cause": complaint.root_cause,
            "corrective_action": complaint.corrective_action, "resolution": complaint.resolution,
        }))
    if may_call_back(user, complaint):
        forms.setdefault("callback_form", CallbackForm())
    if may_attach(user, complaint):
        forms.setdefault("attachment_form", AttachmentForm())
    others = list(
        Complaint.objects.filter(customer_id=complaint.customer_id).exclude(pk=complaint.pk)
        .only("pk", "number", "status", "created_at", "category").order_by("-created_at", "-id")[:OTHER_COMPLAINTS + 1]
    )
    now = timezone.now()
    context = {
        "complaint": complaint,
        "customer": complaint.customer,
        "now": now,
        "overdue": complaint.is_overdue(now),
        "step_label": complaint.step_label,
        "escalation_label": ESCALATION_LABELS.get(complaint.escalation.level),
        "transitions": complaint.transitions.select_related("actor").order_by("at", "id"),
        "attachments": complaint.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"),
        "duplicates": list(
            complaint.duplicates.only("pk", "number", "status", "duplicate_of_id").order_by("created_at")[:DUPLICATES]
        ),
        "other_complaints": others[:OTHER_COMPLAINTS],
        "more_complaints": len(others) > OTHER_COMPLAINTS,
        "action_error": error,
        "archived": not complaint.is_open,
        **forms,
    }
    return render(request, "complaints/detail.html", context, status=status)


@permission_required("complaints.view_complaint", raise_exception=True)
@prepared_reads()
def complaint_detail(request, pk):
    return _detail_page(request, _complaint_for(request, pk))


def _move(request, complaint, form_name, form, move):
    """Run `move(cleaned_data)` (a model transition) in one transaction; back to the page, or
    the page again with what is wrong (400) and nothing changed."""
    if form.is_valid():
        try:
            with transaction.atomic():
                move(form.cleaned_data)
        except ValidationError as error:
            complaint.refresh_from_db()
            return _detail_page(request, complaint, error=" ".join(error.messages), status=400)
        return None
    return _detail_page(request, complaint, forms={form_name: form}, status=400)


def _done(request, complaint, message):
    messages.success(request, message)
    return redirect("complaints:detail", complaint.pk)


@require_POST
@permission_required("complaints.triage_complaint", raise_exception=True)
def assign(request, pk):
    complaint = _complaint_for(request, pk)
    form = AssignForm(request.POST, store=complaint.store,
                      handlers_url=reverse("complaints:handler_choices", args=[complaint.pk]))
    refused = _move(request, complaint, "assign_form", form, lambda data: complaint.assign(
        by=request.user, department=data["department"], handler=data["handler"], note=data["note"],
    ))
    return refused or _done(request, complaint, _("%(number)s is with %(department)s.") % {
        "number": complaint.number, "department": form.cleaned_data["department"],
    })


@require_GET
@permission_required("complaints.triage_complaint", raise_exception=True)
def handler_choices(request, pk):
    """The handler options of the department chosen in the routing form (an htmx fragment)."""
    complaint = _complaint_for(request, pk)
    department_id = request.GET.get("department") or None
    people = handlers_of(store=complaint.store, department_id=department_id) if department_id else []
    return render(request, "complaints/partials/handler_options.html",
                  {"people": [(user.pk, handler_label(user)) for user in people]})


@require_POST
@permission_required("complaints.triage_complaint", raise_exception=True)
def cancel(request, pk):
    complaint = _complaint_for(request, pk)
    form = CancelForm(request.POST, complaint=complaint)
    refused = _move(request, complaint, "cancel_form", form, lambda data: complaint.cancel(
        by=request.user, reason=data["reason"], duplicate_of=data["duplicate_of"],
    ))
    return refused or _done(request, complaint, _("%(number)s is cancelled.") % {"number": complaint.number})


@require_POST
@permission_required("complaints.answer_complaint", raise_exception=True)
def answer(request, pk):
    complaint = _complaint_for(request, pk)
    form = AnswerForm(request.POST)
    refused = _move(request, complaint, "answer_form", form, lambda data: complaint.answer(by=request.user, **data))
    return refused or _done(request, complaint, _("The answer is recorded; customer service calls the customer back."))


@require_POST
@permission_required("complaints.callback_complaint", raise_exception=True)
def callback(request, pk):
    complaint = _complaint_for(request, pk)
    form = CallbackForm(request.POST)
    refused = _move(request, complaint, "callback_form", form, lambda data: complaint.record_callback(
        by=request.user, satisfied=data["satisfied"], customer_words=data["customer_words"],
    ))
    if refused:
        return refused
    if complaint.status == Status.CLOSED:
        return _done(request, complaint, _("%(number)s is closed; the customer is told the outcome.") % {
            "number": complaint.number
        })
    return _done(request, complaint, _("%(number)s is back with %(department)s for round %(round)d.") % {
        "number": complaint.number, "department": complaint.department, "round": complaint.rounds,
    })


def save_attachments(complaint, files, by):
    """The checked uploads as attachments of `complaint` (inside the caller's transaction)."""
    for upload in files:
        attachment = ComplaintAttachment(
            complaint=complaint, original_name=upload.name[:200], content_type=upload.checked_content_type,
            size=upload.size, uploaded_by=by,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()


@require_POST
@permission_required("complaints.view_complaint", raise_exception=True)
def attachment_upload(request, pk):
    complaint = _complaint_for(request, pk)
    if not complaint.is_open:
        return _detail_page(request, complaint, status=400, error=_(
            "This complaint is archived; nothing can be added to it."
        ))
    if not may_attach(request.user, complaint):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, complaint, forms={"attachment_form": form}, status=400)
    files = form.cleaned_data["files"]
    with transaction.atomic():
        save_attachments(complaint, files, request.user)
    return _done(request, complaint, _("%(names)s attached.") % {"names": ", ".join(f.name for f in files)})


attachment_download = download_view(ComplaintAttachment, "complaints.view_complaint")
