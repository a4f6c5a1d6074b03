from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet


def _figure_choices():
    from .metrics import FIGURES

    return [(figure.key, figure.label) for figure in FIGURES.values()]


class Target(models.Model):
    """A store's target for one figure in one month (the month's first day)."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("store"))
    month = models.DateField(_("month"))
    figure = models.CharField(_("figure"), max_length=40, choices=_figure_choices)
    value = models.DecimalField(_("target"), max_digits=8, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("set by"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        permissions = [
            ("view_dashboard", _("Can see the KPI dashboards and reports")),
            ("set_targets", _("Can set the store's KPI targets")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["store", "month", "figure"], name="kpi_target_once"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="kpi_target_month_first_day"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="kpi_target_not_negative"),
        ]

    def __str__(self):
        return f"{self.store} {self.month:%Y-%m} {self.get_figure_display()} {self.value}"

    def clean(self):
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("A target is for a month: give its first day.")})


class MonthlyReport(models.Model):
    """A closed month's satisfaction report as it was sent: a store's (store set) or the group's
    (store empty). Figures recomputed later that differ make it "revised", with what changed."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"))
    figures = models.JSONField(default=dict)
    built_at = models.DateTimeField(_("built"), default=timezone.now)
    revised_at = models.DateTimeField(_("revised"), null=True, blank=True)
    revisions = models.JSONField(default=list, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], condition=models.Q(store__isnull=False),
                                    name="kpi_report_once_per_store"),
            models.UniqueConstraint(fields=["month"], condition=models.Q(store__isnull=True),
                                    name="kpi_report_once_for_group"),
        ]

    def __str__(self):
        return f"{self.store or _('Group')} {self.month:%Y-%m}"


class MysteryShopperPolicy(models.Model):
    """A store's thresholds for mystery-shopper scores (seed 003: below 85 is penalised, below 90
    is short of the target, 90 and over meets it)."""

    store = models.OneToOneField("aftersales.Store", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("store"))
    poor_below = models.PositiveSmallIntegerField(_("poor below"), default=85)
    target = models.PositiveSmallIntegerField(_("target"), default=90)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mystery-shopper thresholds")
        verbose_name_plural = _("mystery-shopper thresholds")
        constraints = [models.CheckConstraint(condition=models.Q(poor_below__lte=models.F("target")),
                                              name="kpi_ms_poor_below_target")]

    def __str__(self):
        return f"{self.store}: <{self.poor_below} / <{self.target}"

    @classmethod
    def for_store(cls, store_id):
        return cls.objects.filter(store_id=store_id).first() or cls(store_id=store_id)

    def band(self, score):
        if score is None:
            return ""
        if score < self.poor_below:
            return "poor"
        return "short" if score < self.target else "good"


# The seed's MS process (seed 003: MS流程), one checklist item each.
MS_CHECKLIST = [
    ("greeting", _("Greets the customer within a minute")),
    ("walkaround", _("Walks round the car with the customer")),
    ("estimate", _("Explains the work and the estimate")),
    ("timing", _("Promises a time and keeps it")),
    ("delivery", _("Explains the work done and the bill at delivery")),
    ("farewell", _("Sees the customer off and books the next visit")),
]


class MysteryShopperCheck(models.Model):
    """One mystery-shopper check of an advisor (seed 003: 明查 open, 暗查 secret), 0–100."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open check (明查)")
        SECRET = "secret", _("Secret check (暗查)")

    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("store"))
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("service advisor"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    checked_on = models.DateField(_("checked on"))
    score = models.PositiveSmallIntegerField(_("score"))
    passed_items = models.JSONField(_("checklist items passed"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mystery-shopper check")
        verbose_name_plural = _("mystery-shopper checks")
        constraints = [models.CheckConstraint(condition=models.Q(score__lte=100), name="kpi_ms_score_0_100")]
        indexes = [models.Index(fields=["store", "checked_on"], name="kpi_ms_store_day")]

    def __str__(self):
        return f"{self.advisor} {self.checked_on} {self.score}"


@tracked()
class CorrectiveAction(models.Model):
    """整改措施: opened from a figure off target or a complaint's root cause, with an owner, a due
    date and the figure it should move; the report shows the figure before and after. An overdue
    one escalates (kpi/escalation.py): its owner, then the store's managers, each once."""

    class Level(models.IntegerChoices):
        NONE = 0, _("Not escalated")
        OWNER = 1, _("Owner reminded")
        MANAGERS = 2, _("Managers told")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("corrective action", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("store"))
    title = models.CharField(_("action"), max_length=200)
    figure = models.CharField(_("figure it should move"), max_length=40, choices=_figure_choices, blank=True)
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("from the complaint"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=pgettext_lazy("corrective action", "owner"))
    due_on = models.DateField(pgettext_lazy("corrective action", "due"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    # The figure's value in the month the action was opened (text, as the report shows it).
    figure_before = models.CharField(_("figure before"), max_length=20, blank=True)
    note = models.TextField(_("progress"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    opened_at = models.DateTimeField(pgettext_lazy("corrective action", "opened"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation"), choices=Level.choices, default=Level.NONE)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        indexes = [models.Index(fields=["store", "state", "due_on"], name="kpi_action_store_state")]

    def __str__(self):
        return self.title

    ACTIVE = (State.OPEN, State.IN_PROGRESS)

    def is_overdue(self, today):
        return self.state in self.ACTIVE and self.due_on < today


class FigureRollup(models.Model):
    """A store's month of KPI counts (each source's numerators and denominators) as last rolled up:
    the group view and the group's report read these instead of counting the whole group's
    records on every request. The current month is refreshed every few minutes, the months of the
    trend nightly (kpi/rollup.py); pages say "as of" when; `kpi_reconcile` checks them against the
    records."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("store"))
    month = models.DateField(_("month"))
    # {source: {count: number}}, as kpi.metrics.count_sources returns them (snapshot sources as
    # of computed_at).
    counts = models.JSONField(default=dict)
    computed_at = models.DateTimeField(_("computed"))

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI roll-up")
        verbose_name_plural = _("KPI roll-ups")
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="kpi_rollup_once"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="kpi_rollup_month_first_day"),
        ]

    def __str__(self):
        return f"{self.store} {self.month:%Y-%m}"
