import string
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.scoping import StoreScopedQuerySet

from .kinds import KIND_CHOICES, KINDS, Purpose


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


def template_variables(text: str) -> set[str]:
    """The {placeholders} of a template, including any nested in a format spec; ValueError
    for broken braces."""
    names = set()
    for _literal, field, spec, _conversion in string.Formatter().parse(text):
        if field is not None:
            names.add(field)
        if spec:
            names |= template_variables(spec)
    return names


class MessageTemplate(models.Model):
    """The wording of one kind of message for one channel and language; a store may have its
    own, else the group-wide one (store empty) is used."""

    kind = models.CharField(_("kind"), max_length=40, choices=KIND_CHOICES)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.CASCADE, null=True, blank=True,
        related_name="message_templates", verbose_name=_("store"),
        help_text=_("Empty: used by every store that has no wording of its own."),
    )
    subject = models.CharField(_("subject (email)"), max_length=200, blank=True)
    body = models.TextField(
        _("text"), help_text=_("Variables in braces, e.g. {name}; the kind decides which exist.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "channel", "language", "store"], name="template_unique_per_store",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.language}"

    def clean(self):
        allowed = KINDS[self.kind].variables if self.kind in KINDS else set()
        for field in ("subject", "body"):
            try:
                used = template_variables(getattr(self, field))
            except ValueError:
                raise ValidationError(
                    {field: _("Unbalanced braces: write {name} for a variable, {{ and }} for braces.")}
                ) from None
            unknown = sorted(name for name in used if name not in allowed)
            if unknown:
                raise ValidationError({field: _(
                    "Unknown variables: %(unknown)s. This kind of message may use: %(allowed)s."
                ) % {"unknown": ", ".join("{%s}" % n for n in unknown),
                     "allowed": ", ".join("{%s}" % n for n in sorted(allowed))}})

    def render(self, context: dict) -> tuple[str, str]:
        values = {name: context.get(name, "") for name in KINDS[self.kind].variables}
        return self.subject.format_map(values), self.body.format_map(values)


class OutboundMessage(models.Model):
    """One logical message: written in the transaction of its cause, sent from here once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")

    class Suppression(models.TextChoices):
        NO_CONSENT = "no_consent", _("No consent for this kind of message")
        DO_NOT_CONTACT = "do_not_contact", _("Customer must not be contacted")
        OPTED_OUT = "opted_out", _("Customer opted out")
        INVALID_ADDRESS = "invalid_address", _("Invalid mobile number or email address")
        DAILY_CAP = "daily_cap", _("Daily limit of marketing messages reached")
        NO_TEMPLATE = "no_template", _("No wording for this kind, channel and language")

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.PROTECT, related_name="outbound_messages",
        verbose_name=_("store"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True,
        related_name="outbound_messages", verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=KIND_CHOICES)
    purpose = models.CharField(_("purpose"), max_length=15, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    context = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    suppression_reason = models.CharField(
        _("suppressed because"), max_length=20, choices=Suppression.choices, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="outbox_time"),
            # What the sender claims: due queued rows, and sends whose lease ran out.
            models.Index(
                fields=["send_after"], name="outbox_due",
                condition=models.Q(status__in=["queued", "sending"]),
            ),
            models.Index(fields=["customer", "-created_at"], name="outbox_customer_time"),
            models.Index(fields=["store", "-created_at"], name="outbox_store_time"),
        ]

    def __str__(self):
        from aftersales.phones import mask_mobile

        to = mask_mobile(self.to) if self.channel == Channel.SMS else self.to
        return f"{self.get_kind_display()} → {to}"

    @property
    def sign_name(self):
        """The 【signature】 the SMS provider puts in front of the text."""
        return self.store.sms_sign_name or self.store.name


def new_claim_token():
    return uuid.uuid4()
