from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet
from customers.models.service import RepairType


class FollowUpRule(models.Model):
    """When a store calls its customers back: after which event, how many days later, for how
    long the call may still be made, and with which script (seed 001's return-visit rules)."""

    class Trigger(models.TextChoices):
        REPAIR_TYPE = "repair_type", _("Repair order closed")
        DECLINED_WORK = "declined_work", _("Work declined")
        NEW_CAR = "new_car", _("New car delivered")

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.CASCADE, related_name="followup_rules",
        verbose_name=_("store"),
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    repair_type = models.CharField(
        _("repair type"), max_length=30, choices=RepairType.choices, blank=True,
        help_text=_("For the trigger “Repair order closed” only."),
    )
    offsets_days = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("call after (days)"),
        help_text=_("One call per number, e.g. 10, 30, 90."),
    )
    window_days = models.PositiveSmallIntegerField(
        _("window (days)"), default=7,
        help_text=_("A call not made within this many days of its date expires (and is counted)."),
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    call_script = models.TextField(_("call script"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "trigger", "repair_type"], name="followup_rule_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(trigger="repair_type", repair_type__gt="")
                | (~models.Q(trigger="repair_type") & models.Q(repair_type="")),
                name="followup_rule_repair_type_only_for_repair_orders",
            ),
        ]

    def __str__(self):
        label = self.get_repair_type_display() if self.repair_type else self.get_trigger_display()
        return f"{label}: {', '.join(str(d) for d in self.offsets_days)}"


@tracked()
class FollowUp(models.Model):
    """One call to make: created by the morning job from a repair order (or a delivery), due on
    a day, open for the rule's window."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To call")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Unreachable")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        SKIPPED = "skipped", _("Not to be called")

    class SkipReason(models.TextChoices):
        DO_NOT_CONTACT = "do_not_contact", _("Customer must not be contacted")
        REFUSED_CALLS = "refused_calls", _("Customer refused service calls")

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.PROTECT, related_name="followups", verbose_name=_("store")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="followups",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.PROTECT, related_name="followups",
        verbose_name=_("vehicle"),
    )
    visit = models.ForeignKey(
        "customers.ServiceVisit", on_delete=models.PROTECT, null=True, blank=True,
        related_name="followups", verbose_name=_("repair order"),
    )
    rule = models.ForeignKey(FollowUpRule, on_delete=models.PROTECT, related_name="followups")
    offset_days = models.PositiveSmallIntegerField(_("days after"))
    due_on = models.DateField(_("due"))
    expires_on = models.DateField(_("expires"))
    priority = models.SmallIntegerField(_("priority"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(_("not called because"), max_length=20, choices=SkipReason.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            # The morning job's idempotency: one call per event, rule and offset, however
            # often, concurrently or late the job runs.
            models.UniqueConstraint(
                fields=["visit", "rule", "offset_days"], condition=models.Q(visit__isnull=False),
                name="followup_once_per_visit",
            ),
            models.UniqueConstraint(
                fields=["vehicle", "rule", "offset_days"], condition=models.Q(visit__isnull=True),
                name="followup_once_per_delivery",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("due_on")), name="followup_expires_after_due"
            ),
        ]
        indexes = [
            models.Index(
                fields=["store", "due_on", "-priority"], name="followup_queue",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["customer", "-due_on"], name="followup_customer"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.due_on}"
