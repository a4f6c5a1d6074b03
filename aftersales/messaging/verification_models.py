"""One-time verification codes sent by SMS to the public pages' visitors (see verification.py).

Only a keyed hash of each code is stored; the row also serves to count the codes sent to a
number (the per-number rate limits)."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.phones import mask_mobile


class VerificationCode(models.Model):
    class Purpose(models.TextChoices):
        COMPLAINT = "complaint", _("Online complaint")
        BOOKING = "booking", _("Online booking")
        SMS_PREFERENCES = "sms_preferences", _("SMS preferences")

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.CASCADE, related_name="verification_codes",
        verbose_name=_("store"),
    )
    # Normalised (11 digits for a mainland number), as Customer.mobile.
    mobile = models.CharField(_("mobile"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    # HMAC-SHA256 (hex) of purpose, mobile and code, keyed with SECRET_KEY: never the code.
    code_hash = models.CharField(max_length=64, editable=False)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes = [
            # The per-number limits and the lookup of a number's current code.
            models.Index(fields=["mobile", "-created_at"], name="verification_mobile_time"),
            # Purging old rows.
            models.Index(fields=["created_at"], name="verification_created"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} · {mask_mobile(self.mobile)}"
