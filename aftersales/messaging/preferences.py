"""The public page where a customer stops marketing or all SMS from a store, after proving
the number is theirs with a verification code (PIPL Art. 15: consent is as easy to withdraw
as to give)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ipware import get_client_ip

from aftersales.models import Store

from . import consent
from .verification_forms import CheckCodeForm, RequestCodeForm
from .verification_models import VerificationCode

PURPOSE = VerificationCode.Purpose.SMS_PREFERENCES


class StopMessagesForm(CheckCodeForm):
    MARKETING = "marketing"
    ALL_SMS = "all_sms"
    stop = forms.ChoiceField(
        label=gettext_lazy("What should stop"),
        choices=[
            (MARKETING, gettext_lazy("Offers and greetings (marketing SMS)")),
            (ALL_SMS, gettext_lazy("All SMS, including service reminders")),
        ],
        widget=forms.RadioSelect, initial=MARKETING,
    )


def client_ip(request):
    from django.conf import settings

    address, _routable = get_client_ip(
        request, proxy_count=settings.AXES_IPWARE_PROXY_COUNT,
        request_header_order=settings.AXES_IPWARE_META_PRECEDENCE_ORDER,
    )
    return address or request.META.get("REMOTE_ADDR", "")


@login_not_required
def sms_preferences(request, store_code):
    store = get_object_or_404(Store, code=store_code, is_active=True)
    ask = RequestCodeForm(
        request.POST if request.POST.get("step") == "send" else None,
        store=store, purpose=PURPOSE, client_ip=client_ip(request),
    )
    confirm = StopMessagesForm(
        request.POST if request.POST.get("step") == "confirm" else None,
        store=store, purpose=PURPOSE, initial={"mobile": request.POST.get("mobile", "")},
    )
    code_sent = False
    if request.method == "POST" and request.POST.get("step") == "send":
        if ask.is_valid() and ask.send():
            code_sent = True
            confirm = StopMessagesForm(store=store, purpose=PURPOSE, initial={"mobile": ask.cleaned_data["mobile"]})
    elif request.method == "POST" and request.POST.get("step") == "confirm":
        if confirm.is_valid():
            _stop_messages(store, confirm.cleaned_data["mobile"], confirm.cleaned_data["stop"])
            messages.success(request, _("Done: %(store)s will not send you these messages any more.")
                             % {"store": store.name})
            return redirect("messaging_public:sms_preferences", store_code=store.code)
        code_sent = True
    return render(request, "aftersales/messaging/sms_preferences.html", {
        "store": store, "ask": ask, "confirm": confirm, "code_sent": code_sent,
    })


@transaction.atomic
def _stop_messages(store, mobile, stop):
    """Record the withdrawal on every file of this number in the store. Whether there is one is
    not shown: the page must not tell strangers who is a customer."""
    channels = [consent.MARKETING]
    if stop == StopMessagesForm.ALL_SMS:
        channels.append(consent.SMS)
    consent.keeper().withdraw(mobile=mobile, channels=channels, how=consent.SELF_SERVICE, note="自助退订",
                              store=store)
