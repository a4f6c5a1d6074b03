"""Customer care from the file (seed 001 §10–11, seed 000): maintenance due by time and mileage,
insurance renewal, birthday and festival greetings, lost-customer recalls and campaigns.

Every reminder, greeting and recall is one `CareOccasion` with a unique key, so the daily jobs
may run twice, late or concurrently: the key decides what exists. Its SMS is an outbox row whose
idempotency key is derived from the occasion's key (`care:<key>`); its call is a `FollowUp` in
the one callback queue, pointing back at the occasion.
"""
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.scoping import StoreScopedQuerySet


class ServiceInterval(models.Model):
    """How often a model line is serviced in a store: every N km or M months, whichever comes
    first; the first service after X km or Y months. A blank model line is the store's default."""

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.CASCADE, related_name="service_intervals", verbose_name=_("store")
    )
    model_line = models.CharField(
        _("model line"), max_length=50, blank=True,
        help_text=_("As the vehicle's model is written on the file, e.g. 迈腾; empty: every other model."),
    )
    every_km = models.PositiveIntegerField(_("every (km)"), default=5000, validators=[MinValueValidator(500)])
    every_months = models.PositiveSmallIntegerField(_("every (months)"), default=6, validators=[MinValueValidator(1)])
    first_km = models.PositiveIntegerField(_("first service after (km)"), default=3000,
                                           validators=[MinValueValidator(500)])
    first_months = models.PositiveSmallIntegerField(_("first service after (months)"), default=3,
                                                    validators=[MinValueValidator(1)])

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service interval")
        verbose_name_plural = _("service intervals")
        constraints = [
            models.UniqueConstraint(fields=["store", "model_line"], name="service_interval_unique"),
            models.CheckConstraint(
                condition=models.Q(every_km__gte=500, every_months__gte=1, first_km__gte=500, first_months__gte=1),
                name="service_interval_positive",
                violation_error_message=_("Intervals must be at least 500 km and 1 month."),
            ),
        ]

    def __str__(self):
        return f"{self.model_line or _('every model')}: {self.every_km} km / {self.every_months}"


class CarePolicy(models.Model):
    """When a store reminds, calls and greets. A store without its own row uses the defaults."""

    store = models.OneToOneField(
        "aftersales.Store", on_delete=models.CASCADE, related_name="care_policy", verbose_name=_("store")
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("maintenance reminder (days before)"), default=7,
    )
    call_after_days = models.PositiveSmallIntegerField(
        _("reminder call after (days)"), default=5,
        help_text=_("A customer who got the reminder SMS and has not come in after this many days gets a call."),
    )
    repeat_after_days = models.PositiveSmallIntegerField(
        _("remind again after (days)"), default=30, validators=[MinValueValidator(1)],
        help_text=_("A car past its due date that did not come in is reminded again after this many days."),
    )
    max_unanswered_reminders = models.PositiveSmallIntegerField(
        _("unanswered reminders before a recall"), default=3, validators=[MinValueValidator(1)],
        help_text=_("After this many reminders without a visit the car gets no more reminders and the customer "
                    "a lost-customer recall call."),
    )
    insurance_call_days = ArrayField(
        models.PositiveSmallIntegerField(), default=list, blank=True,
        verbose_name=_("insurance renewal calls (days before expiry)"),
        help_text=_("One call per number, e.g. 60, 30. Empty: 60 and 30."),
    )
    insurance_sms_days_before = models.PositiveSmallIntegerField(
        _("insurance SMS (days before expiry)"), default=0,
        help_text=_("0: no SMS. 1 to 7: an SMS that many days before the policy expires."),
    )
    recall_every_months = models.PositiveSmallIntegerField(
        _("lost-customer recall at most every (months)"), default=6, validators=[MinValueValidator(1)],
    )
    recalls_per_day = models.PositiveSmallIntegerField(
        _("new lost-customer recalls per day"), default=20,
        help_text=_("So the queue is not flooded: the most recently lost customers are called first."),
    )
    greet_birthdays = models.BooleanField(_("birthday greetings"), default=True)
    greet_festivals = models.BooleanField(_("festival greetings"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    DEFAULT_INSURANCE_CALL_DAYS = (60, 30)

    class Meta:
        verbose_name = _("care policy")
        verbose_name_plural = _("care policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(insurance_sms_days_before__lte=7), name="care_policy_insurance_sms_week",
                violation_error_message=_("The insurance SMS goes at most 7 days before expiry."),
            ),
        ]

    def __str__(self):
        return str(self.store)


class VehicleServiceDue(models.Model):
    """When a vehicle is next due for service, estimated from its own mileage readings.

    Kept apart from the vehicle (whose every change is recorded by triggers) and recomputed
    set-wise in SQL (`visits.care.maintenance.recompute_due`) when repair orders arrive."""

    class Source(models.TextChoices):
        OWN = "own", _("Its own readings")
        STORE = "store", _("Store average")
        DEFAULT = "default", _("Default")

    class StopReason(models.TextChoices):
        SOLD = "sold", _("Car sold")
        UNANSWERED = "unanswered", _("Reminders unanswered")

    class DueBy(models.TextChoices):
        TIME = "time", _("Time")
        MILEAGE = "mileage", _("Mileage")

    vehicle = models.OneToOneField(
        "customers.Vehicle", on_delete=models.CASCADE, primary_key=True, related_name="service_due",
        verbose_name=_("vehicle"),
    )
    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+", db_index=False)
    daily_km = models.FloatField(_("km per day"))
    daily_km_source = models.CharField(_("estimated from"), max_length=10, choices=Source.choices)
    readings = models.PositiveSmallIntegerField(_("readings"), default=0)
    last_reading_on = models.DateField(_("last reading"), null=True, blank=True)
    last_reading_km = models.PositiveIntegerField(_("last reading (km)"), null=True, blank=True)
    last_service_on = models.DateField(_("last service"), null=True, blank=True)
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True)
    next_due_on = models.DateField(_("next service due"), null=True, blank=True)
    next_due_km = models.PositiveIntegerField(_("next service at (km)"), null=True, blank=True)
    due_by = models.CharField(_("due by"), max_length=10, choices=DueBy.choices, blank=True)
    # Reminders sent since the car's last visit; at the policy's limit the reminders stop and
    # the customer gets a lost-customer recall instead.
    unanswered_reminders = models.PositiveSmallIntegerField(_("unanswered reminders"), default=0)
    # Set when the car was sold away or stopped answering: no more reminders until it comes in.
    stopped_on = models.DateField(_("reminders stopped"), null=True, blank=True)
    stopped_reason = models.CharField(_("stopped because"), max_length=20, choices=StopReason.choices, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service due")
        verbose_name_plural = _("services due")
        indexes = [
            # The daily reminder job: cars of a store coming due.
            models.Index(fields=["next_due_on", "store"], name="service_due_next",
                         condition=models.Q(stopped_on__isnull=True)),
            # The store's average km per day, for cars with a single reading.
            models.Index(fields=["store"], name="service_due_store_own", condition=models.Q(daily_km_source="own")),
        ]

    def __str__(self):
        return f"{self.vehicle_id}: {self.next_due_on}"


class RenewalOutcome(models.TextChoices):
    RENEWED_HERE = "renewed_here", _("Renewed with us")
    RENEWED_ELSEWHERE = "renewed_elsewhere", _("Renewed elsewhere")
    NOT_YET = "not_yet", _("Not yet decided")
    SOLD_CAR = "sold_car", _("Sold the car")


class RecallReason(models.TextChoices):
    PRICE = "price", _("Price")
    DISTANCE = "distance", _("Distance")
    SERVICE_QUALITY = "service_quality", _("Service quality")
    MOVED = "moved", _("Moved away")
    SOLD_CAR = "sold_car", _("Sold the car")
    SERVICED_ELSEWHERE = "serviced_elsewhere", _("Serviced elsewhere")
    OTHER = "other", _("Other")


class CareOccasion(models.Model):
    """One reminder, greeting, recall or campaign contact of one customer, once."""

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Maintenance reminder")
        INSURANCE = "insurance", _("Insurance renewal")
        BIRTHDAY = "birthday", _("Birthday greeting")
        FESTIVAL = "festival", _("Festival greeting")
        RECALL = "recall", _("Lost-customer recall")
        CAMPAIGN = "campaign", _("Campaign invitation")

    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("store"), db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="care_occasions",
                                 verbose_name=_("customer"), db_index=False)
    vehicle = models.ForeignKey("customers.Vehicle", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="care_occasions", verbose_name=_("vehicle"), db_index=False)
    campaign = models.ForeignKey("visits.Campaign", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="occasions", verbose_name=_("campaign"), db_index=False)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    # e.g. maintenance:<vehicle>:<due date>:<round>, birthday:<customer>:<year>; unique.
    key = models.CharField(max_length=120, unique=True)
    # What it is about: the service or expiry date, the festival's name.
    due_on = models.DateField(_("date"))
    subject = models.CharField(_("about"), max_length=100, blank=True)
    messaged = models.BooleanField(_("message queued"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    renewal_outcome = models.CharField(_("renewal outcome"), max_length=20, choices=RenewalOutcome.choices,
                                       blank=True)
    insurer = models.CharField(_("insurer"), max_length=50, blank=True)
    recall_reason = models.CharField(_("why the customer stayed away"), max_length=20,
                                     choices=RecallReason.choices, blank=True)
    note = models.TextField(_("customer's words"), blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    outcome_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("recorded by"))

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("care occasion")
        verbose_name_plural = _("care occasions")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="care_customer_time"),
            models.Index(fields=["vehicle", "kind", "-created_at"], name="care_vehicle_kind"),
            models.Index(fields=["store", "kind", "created_at"], name="care_store_kind_time"),
            models.Index(fields=["campaign", "customer"], name="care_campaign",
                         condition=models.Q(campaign__isnull=False)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.due_on}"

    @property
    def message_key(self):
        return message_key(self.key)


def message_key(occasion_key):
    """The outbox idempotency key of an occasion's SMS (SQL builds the same: 'care:' || key)."""
    return f"care:{occasion_key}"


class Campaign(models.Model):
    """An invitation to a segment of customers (seed 000: loyal customers told first of every
    event), by SMS and/or a call, queued once however often it is sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUING = "queuing", _("Queuing")
        QUEUED = "queued", _("Queued")
        FAILED = "failed", _("Failed")

    # Empty: a group campaign, to the customers of every store. Store scoping shows such a
    # campaign (and its recipients of every store) only to users who see every store.
    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="campaigns",
                              verbose_name=_("store"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=100)
    text = models.CharField(
        _("invitation"), max_length=300,
        help_text=_("What the message says, e.g. 爱车讲堂 this Saturday 10:00, free check-up."),
    )
    segment = models.JSONField(_("segment"), default=dict, blank=True)
    send_sms = models.BooleanField(_("send an SMS"), default=True)
    make_calls = models.BooleanField(_("put a call in the queue"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    target_count = models.PositiveIntegerField(_("customers"), default=0)
    queued_count = models.PositiveIntegerField(_("queued"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [("manage_campaigns", _("Can create and send campaigns"))]
        indexes = [models.Index(fields=["store", "-created_at"], name="campaign_store_time")]

    def __str__(self):
        return self.name
