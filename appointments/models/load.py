"""Capacity counters: one row per store-slot, store-day and advisor-slot.

A booking claims capacity with a conditional UPDATE (``used = used + 1 WHERE used <
capacity``) and checks that exactly one row changed; concurrent bookings of the last place
queue on the row lock and all but one find the condition false. The capacity is written when
the row is made (from the store's settings, peaks and absences) and rewritten when those
change (appointments.capacity.refresh_capacity)."""
from django.conf import settings
from django.db import models

from aftersales.scoping import StoreScopedQuerySet


class SlotLoad(models.Model):
    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    used = models.PositiveSmallIntegerField(default=0)
    online_capacity = models.PositiveSmallIntegerField()
    online_used = models.PositiveSmallIntegerField(default=0)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "starts_at"], name="slot_load_once"),
            models.CheckConstraint(condition=models.Q(online_used__lte=models.F("used")),
                                   name="slot_load_online_within_used"),
        ]


class DayLoad(models.Model):
    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hours_capacity = models.DecimalField(max_digits=6, decimal_places=1)
    hours_used = models.DecimalField(max_digits=6, decimal_places=1, default=0)
    online_capacity = models.PositiveSmallIntegerField()
    online_used = models.PositiveSmallIntegerField(default=0)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="day_load_once"),
            models.CheckConstraint(condition=models.Q(hours_used__gte=0), name="day_load_hours_not_negative"),
        ]


class AdvisorSlotLoad(models.Model):
    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+")
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    used = models.PositiveSmallIntegerField(default=0)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["advisor", "starts_at"], name="advisor_slot_load_once")]
        indexes = [models.Index(fields=["store", "starts_at"], name="advisor_slot_load_store")]
