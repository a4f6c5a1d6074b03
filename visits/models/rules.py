from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.scoping import StoreScopedQuerySet
from customers.models.service import RepairType


class FollowUpRule(models.Model):
    """When a store calls its customers back: after which event, how many days later, for how
    long the call may still be made, and with which script (seed 001's return-visit rules)."""

    class Trigger(models.TextChoices):
        REPAIR_TYPE = "repair_type", _("Repair order closed")
        DECLINED_WORK = "declined_work", _("Work declined")
        NEW_CAR = "new_car", _("New car delivered")
        # Seed 001: 不满意客户档案, 按月跟踪 — customers recently unhappy are called monthly.
        CARE_CALL = "care_call", _("Care call after a dissatisfaction")
        # Calls another module puts in the queue (visits.services.call_outcomes).
        APPOINTMENT_CONFIRMATION = "appointment_confirm", _("Appointment confirmation (D-2)")
        NO_SHOW_REBOOK = "no_show_rebook", _("Rebook after a no-show")
        # Customer care from the file (visits.care): reminder, renewal, recall and campaign calls.
        MAINTENANCE_DUE = "maintenance_due", _("Maintenance reminder call")
        INSURANCE_RENEWAL = "insurance_renewal", _("Insurance renewal call")
        LOST_CUSTOMER = "lost_customer", _("Lost-customer recall")
        CAMPAIGN = "campaign", _("Campaign invitation call")

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
    call_script = models.TextField(
        _("call script"), blank=True,
        help_text=_(
            "Placeholders the call screen fills: {客户} {称呼} {门店} {车辆} {车牌} {工单号} {维修类型} "
            "{服务顾问} {进店日期} {交车日期} {回访日期} (or customer, title, store, vehicle, plate, order_no, "
            "repair_type, advisor, opened_on, closed_on, due_on)."
        ),
    )
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
        return f"{self.label}: {', '.join(str(d) for d in self.offsets_days)}"

    def clean(self):
        super().clean()
        from ..scripts import known_placeholders, unknown_placeholders

        unknown = unknown_placeholders(self.call_script)
        if unknown:
            raise ValidationError({"call_script": _(
                "Unknown placeholder %(unknown)s: the call screen cannot fill it. Use one of: %(known)s."
            ) % {
                "unknown": ", ".join("{%s}" % name for name in unknown),
                "known": " ".join("{%s}" % name for name in known_placeholders()),
            }})

    @property
    def label(self):
        """What kind of call this rule makes, e.g. "Major overhaul" or "Work declined"."""
        return self.get_repair_type_display() if self.repair_type else self.get_trigger_display()

    @classmethod
    def labeller(cls):
        """`label` for rules read as values: a function of (trigger, repair_type), with the
        choices' tables read once (a list of fifty calls reads no rule instances)."""
        repair_types = dict(cls._meta.get_field("repair_type").flatchoices)
        triggers = dict(cls._meta.get_field("trigger").flatchoices)

        def label(trigger, repair_type):
            return repair_types.get(repair_type, repair_type) if repair_type else triggers.get(trigger, trigger)

        return label


class CallPolicy(models.Model):
    """How a store's agents work the queue: the claim lease and the retry limits of calls
    that did not reach the customer. A store without its own row uses the defaults."""

    store = models.OneToOneField(
        "aftersales.Store", on_delete=models.CASCADE, related_name="call_policy", verbose_name=_("store")
    )
    lease_minutes = models.PositiveSmallIntegerField(
        _("claim lease (minutes)"), default=20,
        help_text=_("A call taken but not finished within this time returns to the queue."),
    )
    retry_after_minutes = models.PositiveSmallIntegerField(
        _("retry after (minutes)"), default=120,
        help_text=_("A call that did not reach the customer comes back after this delay."),
    )
    max_attempts_per_day = models.PositiveSmallIntegerField(_("attempts per day"), default=3)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts in all"), default=5,
        help_text=_("After this many unanswered attempts the customer is marked unreachable."),
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("call policy")
        verbose_name_plural = _("call policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_attempts_per_day__gte=1, max_attempts__gte=1, lease_minutes__gte=1),
                name="call_policy_positive_limits",
                violation_error_message=_("Limits and the lease must be at least 1."),
            )
        ]

    def __str__(self):
        return str(self.store)

    @classmethod
    def for_store(cls, store_id):
        return cls.objects.filter(store_id=store_id).first() or cls(store_id=store_id)
