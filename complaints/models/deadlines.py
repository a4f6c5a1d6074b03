from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.scoping import StoreScopedQuerySet

from .complaints import Complaint


class DeadlinePolicy(models.Model):
    """How long each step of a complaint may take at a store (seed 001: 分类规范处理时限).

    A row may name a category, a severity, both or neither; the most specific row that fits a
    complaint applies, and a store with no row fits `DEFAULT` (seed 004: answer within 24 hours;
    seed 003: the department answers within 3 days; the callback within a working day)."""

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.CASCADE, related_name="complaint_deadlines", verbose_name=_("store")
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Complaint.Category.choices, blank=True,
        help_text=_("Empty: every category."),
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Complaint.Severity.choices, blank=True,
        help_text=_("Empty: every severity."),
    )
    acknowledge_hours = models.PositiveSmallIntegerField(
        _("acknowledge within (hours)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    answer_working_days = models.PositiveSmallIntegerField(
        _("department answers within (working days)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    callback_working_days = models.PositiveSmallIntegerField(
        _("customer called back within (working days)"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    escalate_every_hours = models.PositiveSmallIntegerField(
        _("escalate again after (hours)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("An overdue step goes to the handler, this much later to the supervisor, then to the manager."),
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint deadline")
        verbose_name_plural = _("complaint deadlines")
        constraints = [
            models.UniqueConstraint(fields=["store", "category", "severity"], name="complaint_deadline_once"),
        ]

    def __str__(self):
        return f"{self.store} {self.get_category_display() or '*'} {self.get_severity_display() or '*'}"

    @classmethod
    def for_store(cls, store_id) -> "DeadlinePolicies":
        return DeadlinePolicies(cls.objects.filter(store_id=store_id))


DEFAULT = DeadlinePolicy(acknowledge_hours=24, answer_working_days=3, callback_working_days=1,
                         escalate_every_hours=24)


class DeadlinePolicies:
    """A store's policies, read once, answering "which applies to this complaint"."""

    def __init__(self, policies):
        self.by_key = {(p.category, p.severity): p for p in policies}

    def for_complaint(self, category, severity) -> DeadlinePolicy:
        for key in ((category, severity), (category, ""), ("", severity), ("", "")):
            if key in self.by_key:
                return self.by_key[key]
        return DEFAULT
