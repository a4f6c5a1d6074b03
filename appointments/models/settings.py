"""What a store can take: its hours, slots, peaks, online share, workshop and advisors."""
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet
from customers.models.service import RepairType

# Seed 001: 将预约隔开(例如:15分钟间隔). Fixed, so the counters of every store line up.
SLOT_MINUTES = 15


def new_board_token():
    return secrets.token_urlsafe(24)


@tracked()
class CapacitySettings(models.Model):
    """A store's booking rules. A store without a row books with these defaults."""

    store = models.OneToOneField(
        "aftersales.Store", on_delete=models.CASCADE, related_name="capacity_settings", verbose_name=_("store")
    )
    reception_per_slot = models.PositiveSmallIntegerField(
        _("customers per 15-minute slot"), default=4,
        help_text=_("How many customers the reception can take in one slot (advisors on duty × customers each)."),
    )
    online_slot_percent = models.PositiveSmallIntegerField(
        _("online share of a slot (%)"), default=50,
        help_text=_("The part of each slot that customers may book online themselves."),
    )
    online_day_percent = models.PositiveSmallIntegerField(
        _("online share of a day (%)"), default=30,
        help_text=_("The part of a day's reception capacity that may be booked online."),
    )
    horizon_days = models.PositiveSmallIntegerField(_("bookable days ahead"), default=30)
    cutoff_minutes = models.PositiveSmallIntegerField(
        _("book at least (minutes) ahead"), default=60,
        help_text=_("The latest a customer may book before the slot starts."),
    )
    technicians = models.PositiveSmallIntegerField(_("technicians"), default=6)
    hours_per_technician = models.DecimalField(
        _("hours per technician and day"), max_digits=4, decimal_places=1, default=Decimal("7.5")
    )
    no_show_grace_minutes = models.PositiveSmallIntegerField(
        _("no-show after (minutes past the slot)"), default=30
    )
    welcome_board_token = models.CharField(
        _("welcome board secret"), max_length=64, default=new_board_token, unique=True,
        help_text=_("Part of the welcome board's link; rotate it to retire an old link."),
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("capacity settings")
        verbose_name_plural = _("capacity settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(online_slot_percent__lte=100, online_day_percent__lte=100),
                name="capacity_online_share_is_a_percentage",
                violation_error_message=_("A share is at most 100%."),
            )
        ]

    def __str__(self):
        return str(self.store)

    @classmethod
    def for_store(cls, store):
        found = cls.objects.filter(store=store).first()
        return found or cls(store=store)

    def rotate_board_token(self):
        self.welcome_board_token = new_board_token()
        self.save(update_fields=["welcome_board_token"])

    @property
    def workshop_hours(self) -> Decimal:
        return Decimal(self.technicians) * self.hours_per_technician


class OpeningHours(models.Model):
    """A store's hours on one weekday; a weekday without a row uses the store's own hours."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="opening_hours",
                              verbose_name=_("store"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"), default="08:30")
    closes_at = models.TimeField(_("closes at"), default="18:00")
    is_closed = models.BooleanField(_("closed all day"), default=False)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "weekday"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.UniqueConstraint(fields=["store", "weekday"], name="opening_hours_once_per_weekday"),
            models.CheckConstraint(condition=models.Q(opens_at__lt=models.F("closes_at")),
                                   name="opening_hours_open_before_close",
                                   violation_error_message=_("The store must open before it closes.")),
        ]

    def __str__(self):
        return f"{self.store} · {self.get_weekday_display()}"


class PeakWindow(models.Model):
    """A busy time of day when fewer bookings are taken (seed 001: 避免太多约见挤在上午的繁忙时间及傍晚)."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="peak_windows",
                              verbose_name=_("store"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    percent = models.PositiveSmallIntegerField(
        _("capacity in this window (%)"), default=50,
        help_text=_("The share of the normal slot capacity that may be booked, e.g. 50 for half."),
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "starts_at"]
        verbose_name = _("peak window")
        verbose_name_plural = _("peak windows")
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at"), percent__lte=100),
                                   name="peak_window_in_order",
                                   violation_error_message=_("A window starts before it ends, at most 100%.")),
        ]

    def __str__(self):
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M} · {self.percent}%"


class SpecialDay(models.Model):
    """A day that is not what the weekly hours and the holiday calendar say: open on a
    statutory holiday, or closed on an ordinary day."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="special_days",
                              verbose_name=_("store"))
    day = models.DateField(_("day"))
    is_open = models.BooleanField(_("open"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "day"]
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="special_day_once")]

    def __str__(self):
        return f"{self.day} · {self.note}"


@tracked()
class ServiceType(models.Model):
    """What a customer books, with the workshop hours it takes (matches a repair type)."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="service_types",
                              verbose_name=_("store"))
    repair_type = models.CharField(_("repair type"), max_length=30, choices=RepairType.choices)
    name = models.CharField(_("name"), max_length=50)
    labour_hours = models.DecimalField(_("standard labour hours"), max_digits=4, decimal_places=1)
    bookable_online = models.BooleanField(_("bookable online"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "repair_type", "name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="service_type_name_once"),
            models.CheckConstraint(condition=models.Q(labour_hours__gt=0), name="service_type_takes_time",
                                   violation_error_message=_("Labour hours must be more than zero.")),
        ]

    def __str__(self):
        return self.name


class WorkshopAbsence(models.Model):
    """Technician hours a day loses: a technician on leave, training, a holiday rota."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="workshop_absences",
                              verbose_name=_("store"))
    day = models.DateField(_("day"))
    technician_hours = models.DecimalField(_("technician hours lost"), max_digits=5, decimal_places=1)
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "day"]
        verbose_name = _("workshop absence")
        verbose_name_plural = _("workshop absences")
        indexes = [models.Index(fields=["store", "day"], name="workshop_absence_day")]

    def __str__(self):
        return f"{self.day} · {self.technician_hours}h"


class AdvisorCapacity(models.Model):
    """An advisor who takes appointments, and how many customers per slot."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="advisor_capacities",
                              verbose_name=_("store"))
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("service advisor"))
    per_slot = models.PositiveSmallIntegerField(_("customers per slot"), default=1)
    is_bookable = models.BooleanField(_("takes appointments"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("advisor capacity")
        verbose_name_plural = _("advisor capacities")
        constraints = [models.UniqueConstraint(fields=["store", "advisor"], name="advisor_capacity_once")]

    def __str__(self):
        return f"{self.advisor} · {self.per_slot}"


class AdvisorAbsence(models.Model):
    """An advisor away: the whole day, or from one time to another."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="advisor_absences",
                              verbose_name=_("store"))
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("service advisor"))
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("from"), null=True, blank=True, help_text=_("Empty: the whole day."))
    ends_at = models.TimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "day"]
        verbose_name = _("advisor absence")
        verbose_name_plural = _("advisor absences")
        indexes = [models.Index(fields=["store", "day"], name="advisor_absence_day")]

    def __str__(self):
        return f"{self.advisor} · {self.day}"

    def covers(self, time):
        if self.starts_at is None:
            return True
        return self.starts_at <= time < (self.ends_at or self.starts_at.replace(hour=23, minute=59))
