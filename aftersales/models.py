from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .history import tracked
from .scoping import StoreScopedQuerySet

TIME_ZONE_CHOICES = [(name, name) for name in sorted(available_timezones()) if "/" in name]


@tracked()
class Store(models.Model):
    """A dealership or one of its branches; every domain row belongs to exactly one."""

    # Scoping filters a Store by its own key; other models filter through their `store` field.
    STORE_LOOKUP = "pk"

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service hotline"), max_length=30, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Asia/Shanghai"
    )
    opens_at = models.TimeField(_("opens at"), default="08:30")
    closes_at = models.TimeField(_("closes at"), default="18:00")
    # Messages other than verification codes wait for the morning (seed 003: 温馨提醒, not at night).
    quiet_hours_start = models.TimeField(_("quiet hours from"), default="21:00")
    quiet_hours_end = models.TimeField(_("quiet hours until"), default="08:00")
    sms_sign_name = models.CharField(
        _("SMS signature"), max_length=20, blank=True,
        help_text=_("The 【signature】 registered with the SMS provider; the store's name if empty."),
    )
    sms_opt_out_wording = models.CharField(
        _("opt-out wording"), max_length=30, default="回复TD退订",
        help_text=_("Appended to every marketing SMS."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        permissions = [
            ("view_history", _("Can view the change history of records")),
            ("view_system_health", _("Can view system health")),
            ("run_backup", _("Can start a database backup")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")),
                name="store_opens_before_it_closes",
                violation_error_message=_("The store must open before it closes."),
            )
        ]

    def __str__(self):
        return self.name


@tracked()
class Department(models.Model):
    """A department of one store that complaints and findings are routed to."""

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        PARTS = "parts", _("Parts")
        SALES = "sales", _("Sales")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        FINANCE = "finance", _("Finance")
        ADMINISTRATION = "administration", _("Administration")

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="departments", verbose_name=_("store")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(
        _("name in English"), max_length=100, blank=True,
        help_text=_("Shown to users who work in English; empty: the kind's English name."),
    )
    head = models.ForeignKey(
        "aftersales.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("department head"),
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["store", "kind", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="department_name_unique_per_store")
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the active language: English for users who work in English."""
        return localized_name(self.name, self.name_en)

    def save(self, *args, **kwargs):
        if not self.name_en and self.kind:
            self.name_en = english_label(self.Kind(self.kind).label)
        super().save(*args, **kwargs)


def english_label(label):
    with translation.override("en"):
        return str(label)


def localized_name(name, name_en):
    """`name_en` when the active language is English and it is set, else `name`."""
    if name_en and (translation.get_language() or "").startswith("en"):
        return name_en
    return name


# Who granted whom which rights is part of the record; secrets and login times are not.
@tracked(exclude=["password", "last_login"])
class User(AbstractUser):
    """A member of staff. What they may do comes from their role group; what they may see,
    from the stores they belong to (or every store, for group-level staff)."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    stores = models.ManyToManyField(
        Store, blank=True, related_name="staff", verbose_name=_("stores")
    )
    all_stores = models.BooleanField(
        _("sees every store"),
        default=False,
        help_text=_("Group-level staff (e.g. the group's after-sales director) see every store."),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )

    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True,
        help_text=_("The language of their pages on a new computer and of the reports and reminders "
                    "emailed to them; empty: Simplified Chinese. The language switch sets it."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    # What __str__ reads, for the lists that read a user's name only (`.only()`).
    NAME_FIELDS = ("username", "full_name", "first_name", "last_name")

    def __str__(self):
        return self.name_of(*(getattr(self, name) for name in self.NAME_FIELDS))

    @staticmethod
    def name_of(username, full_name, first_name, last_name) -> str:
        """A user's name from NAME_FIELDS (also read as values, for a list's choices of people):
        the full name, else the first and last names, else the user name."""
        return full_name or f"{first_name} {last_name}".strip() or username

    @classmethod
    def name_in(cls, row: dict, prefix: str) -> str:
        """`name_of` a user read as values through a relation: `row` holds `{prefix}username`
        and the other NAME_FIELDS (e.g. prefix "advisor__")."""
        return cls.name_of(*(row[f"{prefix}{name}"] for name in cls.NAME_FIELDS))

    @property
    def working_language(self) -> str:
        """What they read in: their chosen language, else the site's (Simplified Chinese)."""
        return self.language or settings.LANGUAGE_CODE

    def get_full_name(self):
        return self.full_name or super().get_full_name()

    @cached_property
    def role(self):
        """The user's role, the first of the role groups they belong to (in the order of ROLES)."""
        from .roles import role_of

        return role_of(self)


class Heartbeat(models.Model):
    """The last time a periodic job ran; the health page reads the beat's liveness from it."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, name):
        cls.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


from .messaging.models import MessageTemplate, OutboundMessage  # noqa: E402,F401  (registers them)
from .messaging.verification_models import VerificationCode  # noqa: E402,F401  (registers it)
