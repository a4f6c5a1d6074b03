from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet


class RepairType(models.TextChoices):
    MINOR_REPAIR = "minor_repair", _("Minor repair")
    MAINTENANCE = "maintenance", _("Routine maintenance")
    SECONDARY_MAINTENANCE = "secondary_maintenance", _("Secondary maintenance")
    MAJOR_OVERHAUL = "major_overhaul", _("Major overhaul")
    WARRANTY = "warranty", _("Warranty")
    ACCIDENT = "accident", _("Accident / insurance")
    RECALL = "recall", _("Recall / campaign")


@tracked()
class ServiceVisit(models.Model):
    """A repair order (委托书): one visit of one vehicle to the workshop."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("repair order", "Open")
        CLOSED = "closed", pgettext_lazy("repair order", "Closed")
        CANCELLED = "cancelled", pgettext_lazy("repair order", "Cancelled")

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.PROTECT, related_name="service_visits",
        verbose_name=_("store"),
    )
    order_no = models.CharField(_("repair order no."), max_length=40)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="service_visits",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.PROTECT, related_name="service_visits",
        verbose_name=_("vehicle"),
    )
    repair_type = models.CharField(_("repair type"), max_length=30, choices=RepairType.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    mileage = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="service_visits", verbose_name=_("service advisor"),
    )
    # As the DMS spells them, for advisors and technicians who have no login here.
    advisor_name = models.CharField(_("service advisor (name)"), max_length=50, blank=True)
    technician_name = models.CharField(_("technician"), max_length=50, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, default=0)
    from_appointment = models.BooleanField(_("came from an appointment"), default=False)
    work_summary = models.TextField(_("work done"), blank=True)
    declined_work = models.TextField(
        _("work recommended but declined"), blank=True,
        help_text=_("What the advisor recommended and the customer did not want this time."),
    )
    imported = models.BooleanField(_("imported from the DMS"), default=False, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "order_no"], name="repair_order_no_unique_per_store",
                violation_error_message=_("This repair order number is already used in this store."),
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(closed_at__gte=models.F("opened_at")),
                name="repair_order_closes_after_it_opens",
                violation_error_message=_("A repair order cannot close before it opens."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="repair_order_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-opened_at"], name="visit_customer_timeline"),
            models.Index(fields=["vehicle", "-opened_at"], name="visit_vehicle_timeline"),
            models.Index(fields=["store", "-opened_at"], name="visit_store_opened"),
            models.Index(fields=["store", "closed_at"], name="visit_store_closed"),
            models.Index(fields=["store", "advisor", "-opened_at"], name="visit_store_advisor"),
            # The KPI figures' warranty calls: a store's warranty repair orders (8% of them), read
            # as a set the calls are matched against, from the index alone.
            models.Index(fields=["store", "id"], name="visit_store_warranty",
                         condition=models.Q(repair_type="warranty")),
        ]

    def __str__(self):
        return self.order_no


def document_path(document, filename):
    return f"documents/{document.customer.store_id}/{timezone.now():%Y/%m}/{filename}"


class ServiceDocument(models.Model):
    """A scanned or exported paper of the file (seed 001: signed work order, settlement, PDI and
    inspection sheets, fault reports)."""

    class Kind(models.TextChoices):
        WORK_ORDER = "work_order", _("Signed work order")
        SETTLEMENT = "settlement", _("Settlement")
        PDI = "pdi", _("PDI sheet")
        INSPECTION = "inspection", _("Inspection sheet")
        FAULT_REPORT = "fault_report", _("Fault report")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="documents",
        verbose_name=_("customer"),
    )
    visit = models.ForeignKey(
        ServiceVisit, on_delete=models.PROTECT, null=True, blank=True, related_name="documents",
        verbose_name=_("repair order"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=document_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    STORE_LOOKUP = "customer__store"

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["customer", "-uploaded_at"], name="document_customer_time")]

    def __str__(self):
        return self.original_name
