from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
