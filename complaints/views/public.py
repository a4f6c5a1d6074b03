"""The public complaint pages (seed 002 §2.2.3), reached without a login: a customer files a
complaint, and later sees its status, each time proving the mobile with an SMS code.

Both pages work in two steps without JavaScript: the first step's only button asks for the
code (`send_code`, which re-renders the page at its second step), the second step's main
button files or looks up. Form submissions are limited per client address (Redis); codes are
limited per number and per address by the verification module.
"""
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from aftersales.messaging.preferences import client_ip
from aftersales.messaging.verification_forms import RequestCodeForm
from aftersales.models import Store

from ..online import (
    PURPOSE,
    SubmissionLimit,
    TooManySubmissions,
    file_online_complaint,
    look_up_status,
)
from ..public_forms import (
    ComplaintDetailsForm,
    ComplaintForm,
    StatusForm,
    StatusRequestForm,
)

FILINGS_PER_HOUR = 10
LOOKUPS_PER_HOUR = 20
# The one answer to every failed look-up.
NOT_SHOWN = gettext_lazy(
    "We could not show a complaint for these details. Check the complaint number, the mobile and "
    "the code and try again; a code works only once and for 10 minutes, so ask for a new one if "
    "needed."
)
# Where the number of the complaint just filed waits for the "thank you" page.
SESSION_KEY = "complaints_public_filed"


def _store(store_code):
    return get_object_or_404(Store, code=store_code, is_active=True)


def _render(request, template, context, *, retry_after=None):
    response = render(request, template, context, status=429 if retry_after else 200)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- Filing ----------------------------------------------------------------------------------
def _form_page(request, store, *, form, details=None, errors=(), retry_after=None, code_sent=False):
    """Step one shows `form` (the details); step two (`details` given) the summary, the hidden
    details and the code field of `form`."""
    return _render(request, "complaints/public/form.html", {
        "store": store, "form": form, "details": details, "errors": errors, "code_sent": code_sent,
    }, retry_after=retry_after)


def _summary(details):
    """The details as the customer typed them, for the second step's summary."""
    data = details.cleaned_data
    return {
        "name": data["name"], "mobile": data["mobile"], "plate": data["plate"],
        "category": dict(details.fields["category"].choices)[data["category"]],
        "description": data["description"],
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def complaint_form(request, store_code):
    store = _store(store_code)
    if request.method == "GET":
        return _form_page(request, store, form=ComplaintDetailsForm())
    details = ComplaintDetailsForm(request.POST)
    if request.POST.get("edit"):
        # "Change the details": back to step one with what was typed.
        details.is_valid()
        return _form_page(request, store, form=details)
    try:
        SubmissionLimit("file", client_ip(request), limit=FILINGS_PER_HOUR).take(store)
    except TooManySubmissions as error:
        if not details.is_valid():
            return _form_page(request, store, form=details, errors=error.messages, retry_after=error.retry_after)
        return _form_page(request, store, form=ComplaintForm(store=store, initial=details.cleaned_data),
                          details=_summary(details), errors=error.messages, retry_after=error.retry_after)
    form = ComplaintForm(request.POST, store=store)
    if form.is_valid():
        data = form.cleaned_data
        complaint = file_online_complaint(
            store=store, name=data["name"], mobile=data["mobile"], plate=data["plate"],
            category=data["category"], description=data["description"],
        )
        request.session[SESSION_KEY] = {"store": store.code, "number": complaint.number}
        return redirect("complaints_public:filed", store_code=store.code)
    if not details.is_valid():
        # The hidden details were changed on the way: step one shows what is wrong.
        return _form_page(request, store, form=details)
    return _form_page(request, store, form=form, details=_summary(details))


@login_not_required
def filed(request, store_code):
    store = _store(store_code)
    filed = request.session.get(SESSION_KEY) or {}
    if filed.get("store") != store.code:
        return redirect("complaints_public:form", store_code=store.code)
    return render(request, "complaints/public/filed.html", {"store": store, "number": filed["number"]})


# --- The code --------------------------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def send_code(request, store_code):
    """Send a code to the mobile of the form posted here, and show its page at step two. A
    GET (e.g. the language switch coming back) goes to the page itself."""
    store = _store(store_code)
    status_page = (request.POST.get("page") or request.GET.get("page")) == "status"
    if request.method == "GET":
        return redirect("complaints_public:status" if status_page else "complaints_public:form",
                        store_code=store.code)
    if status_page:
        return _send_status_code(request, store)
    details = ComplaintDetailsForm(request.POST)
    if not details.is_valid():
        return _form_page(request, store, form=details)
    ask = _ask(request, store)
    if ask.send():
        return _form_page(request, store, form=ComplaintForm(store=store, initial=details.cleaned_data),
                          details=_summary(details), code_sent=True)
    if request.POST.get("code_sent"):
        # A new code was refused (e.g. too soon): the one sent before still works.
        return _form_page(request, store, form=ComplaintForm(store=store, initial=details.cleaned_data),
                          details=_summary(details), errors=_errors(ask), retry_after=ask.retry_after)
    return _form_page(request, store, form=details, errors=_errors(ask), retry_after=ask.retry_after)


def _ask(request, store):
    ask = RequestCodeForm(request.POST, store=store, purpose=PURPOSE, client_ip=client_ip(request))
    ask.is_valid()  # the mobile was checked by the page's own form already
    return ask


def _errors(form):
    return [message for messages in form.errors.values() for message in messages]


# --- Status ----------------------------------------------------------------------------------
def _status_page(request, store, *, form, step, errors=(), result=None, retry_after=None, code_sent=False):
    return _render(request, "complaints/public/status.html", {
        "store": store, "form": form, "step": step, "errors": errors, "result": result,
        "code_sent": code_sent,
    }, retry_after=retry_after)


def _send_status_code(request, store):
    ask_form = StatusRequestForm(request.POST)
    if not ask_form.is_valid():
        return _status_page(request, store, form=ask_form, step=1)
    initial = {"number": ask_form.cleaned_data["number"], "mobile": ask_form.cleaned_data["mobile"]}
    # A code goes to any valid number, whether or not a complaint of it exists: the page does
    # not tell strangers which numbers are customers'.
    ask = _ask(request, store)
    if ask.send():
        return _status_page(request, store, form=StatusForm(initial=initial), step=2, code_sent=True)
    step = 2 if request.POST.get("code_sent") else 1
    form = StatusForm(initial=initial) if step == 2 else ask_form
    return _status_page(request, store, form=form, step=step, errors=_errors(ask), retry_after=ask.retry_after)


@login_not_required
@require_http_methods(["GET", "POST"])
def status(request, store_code):
    store = _store(store_code)
    if request.method == "GET":
        return _status_page(request, store, form=StatusRequestForm(), step=1)
    form = StatusForm(request.POST)
    try:
        SubmissionLimit("status", client_ip(request), limit=LOOKUPS_PER_HOUR).take(store)
    except TooManySubmissions as error:
        return _status_page(request, store, form=StatusForm(initial={
            "number": request.POST.get("number", ""), "mobile": request.POST.get("mobile", ""),
        }), step=2,
                            errors=error.messages, retry_after=error.retry_after)
    if not form.is_valid():
        return _status_page(request, store, form=form, step=2)
    data = form.cleaned_data
    result = look_up_status(store=store, number=data["number"], mobile=data["mobile"], code=data["code"])
    if result is None:
        # One answer for an unknown number, another person's number and a wrong, used or
        # expired code: nothing tells which it was.
        return _status_page(request, store, form=StatusForm(initial={
            "number": data["number"], "mobile": data["mobile"],
        }), step=2, errors=[NOT_SHOWN])
    return _status_page(request, store, form=None, step=3, result=result)
