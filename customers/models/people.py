from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Right
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet

from ..normalize import mask_mobile, name_search_keys


class LoyaltyTier(models.TextChoices):
    """Derived from visit count and recency by `LoyaltyPolicy`; refreshed in SQL."""

    NEW = "new", _("New")
    REGULAR = "regular", _("Regular")
    LOYAL = "loyal", _("Loyal")
    LAPSING = "lapsing", _("Lapsing")
    CHURNED = "churned", _("Churned")


class CustomerQuerySet(StoreScopedQuerySet):
    def active(self):
        """Customers that are files of their own (not merged into another)."""
        return self.filter(merged_into__isnull=True)


@tracked()
class Customer(models.Model):
    class Gender(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Source(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        DMS = "dms", _("DMS import")
        SALES = "sales", _("Bought the car here")
        ONLINE = "online", _("Online")
        REFERRAL = "referral", _("Referral")
        OTHER = "other", _("Other")

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.PROTECT, related_name="customers", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=50)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    mobile_last4 = models.GeneratedField(
        expression=Right("mobile", 4), output_field=models.CharField(max_length=4), db_persist=True
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.WALK_IN)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    do_not_contact_reason = models.CharField(_("reason for no contact"), max_length=200, blank=True)
    do_not_contact_since = models.DateTimeField(_("no contact since"), null=True, blank=True)
    # Set when a call found the number wrong; cleared when someone corrects the mobile.
    mobile_reported_wrong_at = models.DateTimeField(_("number reported wrong"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Short labels a store gives its customers (车友会, 团购, VIP ...), for campaign segments. An
    # array with a GIN index rather than a Tag table: a segment asks "any of these labels" in
    # one indexed condition on the customer row, with no join over 1M customers, and a label
    # needs no administration of its own (typing it on a customer creates it).
    # The database default too: bulk loaders (COPY with named columns) leave the column out.
    tags = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, verbose_name=_("tags"),
        db_default=models.Value([], output_field=ArrayField(models.CharField(max_length=20))),
        help_text=_("Separated by commas, e.g. 车友会, VIP."),
    )

    # Search keys, derived from the name (see customers.normalize).
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=50, blank=True, editable=False)
    name_grams = ArrayField(models.CharField(max_length=8), default=list, blank=True, editable=False)

    # Loyalty, refreshed in SQL from the repair orders (customers.loyalty).
    visit_count = models.PositiveIntegerField(_("visits"), default=0, editable=False)
    recent_visit_count = models.PositiveIntegerField(_("recent visits"), default=0, editable=False)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True, editable=False)
    loyalty_tier = models.CharField(
        _("loyalty tier"), max_length=10, choices=LoyaltyTier.choices, default=LoyaltyTier.NEW,
        editable=False,
    )

    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from",
        editable=False, verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    HISTORY_MASKED_FIELDS = {"mobile": mask_mobile}

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("reveal_mobile", _("Can reveal a customer's full mobile number")),
            ("merge_customer", _("Can merge duplicate customers")),
            ("import_repair_orders", _("Can import repair orders from the DMS")),
            ("export_customers", _("Can export customer and repair-order lists")),
        ]
        # Search keys come first and the store second: a group-wide user searches with no store
        # condition, and a store user's condition is still checked inside the index.
        indexes = [
            models.Index(fields=["mobile", "store"], name="customer_mobile_store"),
            models.Index(fields=["mobile_last4", "store"], name="customer_mobile4_store"),
            models.Index(
                fields=["name_pinyin", "store"], name="customer_pinyin_store",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["name_initials", "store"], name="customer_initials_store",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # Without GIN's pending list: every search scans that list whole, and an import
            # leaves up to 4 MB in it (a name search 16 ms → 0.1 ms; the import is faster too).
            GinIndex(fields=["name_grams"], name="customer_name_grams", fastupdate=False),
            GinIndex(fields=["tags"], name="customer_tags"),
            models.Index(fields=["store", "loyalty_tier"], name="customer_store_tier"),
            models.Index(fields=["store", "last_visit_at"], name="customer_store_last_visit"),
            # The customer list, newest first, of the user's stores.
            models.Index(fields=["store", "-id"], name="customer_store_newest"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.refresh_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials", "name_grams"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.pk])

    def refresh_search_keys(self, keys=None):
        """The name's search keys, or `keys` when they were worked out already (an import
        does it while reading the rows)."""
        self.name_pinyin, self.name_initials, self.name_grams = keys or name_search_keys(self.name)

    @property
    def masked_mobile(self):
        return mask_mobile(self.mobile)


@tracked()
class CustomerConsent(models.Model):
    """The customer's current answer for one channel, with when and how it was given.

    Every change is kept by the history triggers, so earlier answers are never lost."""

    class Channel(models.TextChoices):
        SERVICE_CALL = "service_call", _("Service calls")
        SMS = "sms", _("SMS")
        MARKETING = "marketing", _("Marketing")

    class Method(models.TextChoices):
        SIGNED_FORM = "signed_form", _("Signed form")
        PHONE = "phone", _("By phone")
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        SMS_REPLY = "sms_reply", _("SMS reply")
        DMS = "dms", _("DMS import")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consents", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    recorded_at = models.DateTimeField(_("when"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    STORE_LOOKUP = "customer__store"

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="consent_one_per_channel")
        ]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.granted}"


class MobileReveal(models.Model):
    """A user saw a customer's full mobile number (seed 002 §3.1.3: access by permission)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="mobile_reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revealed_at = models.DateTimeField(default=timezone.now, db_index=True)

    STORE_LOOKUP = "customer__store"

    class Meta:
        verbose_name = _("mobile number reveal")
        verbose_name_plural = _("mobile number reveals")


class CustomerMerge(models.Model):
    """One merge: `merged` now points at `kept`, and what moved is counted in `moved`."""

    kept = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_absorbed")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)
    moved = models.JSONField(default=dict)

    STORE_LOOKUP = "kept__store"

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")


class LoyaltyPolicy(models.Model):
    """How a store grades its customers. The defaults follow seed 000: loyal customers come
    back often and recently; customers gone for a year are lost and get a call to learn why."""

    store = models.OneToOneField(
        "aftersales.Store", on_delete=models.CASCADE, related_name="loyalty_policy",
        verbose_name=_("store"),
    )
    window_months = models.PositiveSmallIntegerField(
        _("counting window (months)"), default=24,
        help_text=_("Visits within this many months count towards loyalty."),
    )
    loyal_min_visits = models.PositiveSmallIntegerField(
        _("visits to be loyal"), default=4,
        help_text=_("At least this many visits within the window make a customer loyal."),
    )
    lapsing_after_months = models.PositiveSmallIntegerField(
        _("lapsing after (months)"), default=6,
        help_text=_("No visit for this many months: the customer is lapsing."),
    )
    churned_after_months = models.PositiveSmallIntegerField(
        _("churned after (months)"), default=12,
        help_text=_("No visit for this many months: the customer is lost."),
    )

    STORE_LOOKUP = "store"

    class Meta:
        verbose_name = _("loyalty policy")
        verbose_name_plural = _("loyalty policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lapsing_after_months__lt=models.F("churned_after_months")),
                name="loyalty_lapsing_before_churned",
                violation_error_message=_("A customer must be lapsing before being lost."),
            )
        ]

    def __str__(self):
        return str(self.store)
