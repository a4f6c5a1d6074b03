from django.db import models
from django.db.models import F
from django.db.models.functions import Right, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet


@tracked()
class Vehicle(models.Model):
    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("store")
    )
    owner = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="vehicles",
        verbose_name=_("owner"),
    )
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    vin_last6 = models.GeneratedField(
        expression=Right("vin", 6), output_field=models.CharField(max_length=6), db_persist=True
    )
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    # The plate without its province character, so "A12345" finds 京A12345.
    plate_tail = models.GeneratedField(
        expression=Substr("plate", 2), output_field=models.CharField(max_length=10), db_persist=True
    )
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    model = models.CharField(_("model"), max_length=50, blank=True)
    model_year = models.PositiveSmallIntegerField(_("model year"), null=True, blank=True)
    colour = models.CharField(_("colour"), max_length=20, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    bought_here = models.BooleanField(_("bought here"), default=False)
    warranty_end = models.DateField(_("warranty ends"), null=True, blank=True)
    compulsory_insurance_due = models.DateField(_("compulsory insurance due"), null=True, blank=True)
    commercial_insurance_due = models.DateField(_("commercial insurance due"), null=True, blank=True)
    mileage = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            # VIN first, so the same index serves a search across all stores.
            models.UniqueConstraint(
                fields=["vin", "store"], condition=~models.Q(vin=""), name="vehicle_vin_unique_per_store",
                violation_error_message=_("A vehicle with this VIN is already on file in this store."),
            ),
            models.CheckConstraint(
                condition=~models.Q(vin="", plate=""), name="vehicle_has_vin_or_plate",
                violation_error_message=_("Give the VIN or the plate."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["plate", "store"], name="vehicle_plate_store",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["plate_tail", "store"], name="vehicle_plate_tail_store",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(fields=["vin_last6", "store"], name="vehicle_vin6_store"),
            # A VIN's last 4 (the search box): an expression index, no stored column needed.
            models.Index(Right("vin", 4), F("store"), name="vehicle_vin4_store"),
            models.Index(fields=["store", "warranty_end"], name="vehicle_store_warranty"),
        ]

    def __str__(self):
        return self.plate or self.vin

    @property
    def in_warranty(self):
        return bool(self.warranty_end and self.warranty_end >= timezone.localdate())


class VehicleOwnership(models.Model):
    """Who owned a vehicle when; the open row (ended_on is null) is the current owner."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="ownerships"
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    STORE_LOOKUP = "vehicle__store"

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"], condition=models.Q(ended_on__isnull=True),
                name="ownership_one_current_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="ownership_ends_after_it_starts",
            ),
        ]
