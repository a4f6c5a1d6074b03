"""Forms for the public pages' verification codes.

Asking for a code::

    form = RequestCodeForm(request.POST or None, store=store, purpose="complaint",
                           client_ip=request.META["REMOTE_ADDR"])
    if request.method == "POST" and form.is_valid() and form.send():
        ...  # "a code is on its way"
    # else: the form shows what is wrong (an invalid number, or which limit and until when);
    # form.retry_after holds the seconds for a Retry-After header / a countdown.

Checking it, alone or as a base of the page's own form, so that the page cannot be valid
without a right code::

    class ComplaintForm(CheckCodeForm, forms.ModelForm): ...
    form = ComplaintForm(request.POST, store=store, purpose="complaint")
    if form.is_valid():  # the code was checked, last, and is now used up
        ...

The code is checked only once everything else on the form is valid (including a model
form's own validation), so a mistake elsewhere spends neither a try nor the code.
"""
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.phones import clean_mobile_value, halfwidth

from .verification import (
    CODE_DIGITS,
    CheckResult,
    VerificationError,
    send_code,
    tries_left,
    verify_code,
)

_CODE = re.compile(rf"^\d{{{CODE_DIGITS}}}$")


class RequestCodeForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile"), max_length=30)

    def __init__(self, *args, store, purpose, client_ip, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.purpose = purpose
        self.client_ip = client_ip
        self.retry_after = None

    def clean_mobile(self):
        return clean_mobile_value(self.cleaned_data["mobile"])

    def send(self, *, now=None):
        """Send the code to the (valid) number; the VerificationCode, or None with the reason
        added to the form's errors."""
        try:
            return send_code(
                store=self.store, mobile=self.cleaned_data["mobile"], purpose=self.purpose,
                client_ip=self.client_ip, now=now,
            )
        except VerificationError as error:
            self.retry_after = error.retry_after
            # Limits of the number belong to its field; the address limit to the whole page.
            self.add_error(None if error.code == "address_hourly_limit" else "mobile", error)
            return None


class CheckCodeForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile"), max_length=30)
    code = forms.CharField(
        label=_("Verification code"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, store, purpose, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The code must have been sent for this store and purpose (see verification.py).
        self.verification_store = store
        self.verification_purpose = purpose
        self.verification_now = now
        self.code_verified = False

    def clean_mobile(self):
        return clean_mobile_value(self.cleaned_data["mobile"])

    def clean_code(self):
        code = "".join(halfwidth(self.cleaned_data["code"]).split())
        if not _CODE.match(code):
            raise forms.ValidationError(
                _("Enter the %(digits)s-digit code from the SMS."), code="code_format",
                params={"digits": CODE_DIGITS},
            )
        return code

    def _post_clean(self):
        # The last step of full_clean (after a model form's own validation): check the code
        # only when nothing else is wrong.
        super()._post_clean()
        if self._errors:
            return
        mobile = self.cleaned_data["mobile"]
        result = verify_code(
            store=self.verification_store, mobile=mobile, purpose=self.verification_purpose, code=self.cleaned_data["code"],
            now=self.verification_now,
        )
        if result is CheckResult.OK:
            self.code_verified = True
        elif result is CheckResult.WRONG:
            self.add_error("code", forms.ValidationError(
                _("That code is not right. Tries left for this code: %(left)s."),
                code="code_wrong",
                params={"left": tries_left(
                    store=self.verification_store, mobile=mobile, purpose=self.verification_purpose,
                )},
            ))
        elif result is CheckResult.TOO_MANY_TRIES:
            self.add_error("code", forms.ValidationError(
                _("This code was entered wrongly too many times and no longer works. Please "
                  "ask for a new code."),
                code="code_too_many_tries",
            ))
        else:
            self.add_error("code", forms.ValidationError(
                _("There is no valid code for this number: it has expired or has already been "
                  "used. Please ask for a new code."),
                code="code_missing",
            ))
