from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day that is not what its weekday says, by the State Council's holiday arrangement: a
    statutory holiday on a weekday, or a weekend day worked to make up for one (调休). Every
    other day is a working day from Monday to Friday and a rest day at the weekend."""

    class Source(models.TextChoices):
        PUBLISHED = "published", _("Published calendar")
        ADMIN = "admin", _("Corrected by an administrator")

    day = models.DateField(_("day"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.day} · {self.name}"


class CalendarYear(models.Model):
    """Whether a year's holiday arrangement is loaded. A year without one is counted with plain
    weekends (the State Council publishes the next year's arrangement each November)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    published = models.BooleanField(_("arrangement published"), default=False)
    loaded_at = models.DateTimeField(_("loaded"), default=timezone.now)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self):
        return str(self.year)
