import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet

from .settings import SLOT_MINUTES, ServiceType


class IllegalTransition(ValidationError):
    """A move the appointment's state or the user's role does not allow; says why."""


class AppointmentQuerySet(StoreScopedQuerySet):
    def on_day(self, store, day):
        from ..capacity import day_bounds

        first, last = day_bounds(store, day)
        return self.filter(store=store, starts_at__gte=first, starts_at__lt=last)


# The constraint that refuses a second upcoming appointment of one vehicle (by name, for the
# booking that reports it).
ONE_UPCOMING_PER_VEHICLE = "appointment_one_upcoming_per_vehicle"


@tracked()
class Appointment(models.Model):
    """A customer's booked visit to a store at a 15-minute slot.

    A reschedule moves this same record to its new slot (``version`` goes up and an
    ``AppointmentTransition`` keeps the old and new times) rather than making a successor: the
    appointment rate, show and no-show rates count appointments, and a chain of successors
    would count one customer's one visit several times; the reminder's idempotency key carries
    the version, so the reminder of the old time is never sent."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed")
        ARRIVED = "arrived", _("Arrived")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", pgettext_lazy("appointment", "Cancelled")
        NO_SHOW = "no_show", _("No-show")

    class Source(models.TextChoices):
        PHONE = "phone", _("Phone")
        WALK_IN = "walk_in", _("Walk-in, booked for later")
        ONLINE = "online", _("Online self-booking")
        RETURN_VISIT = "return_visit", _("Return-visit call")
        MAINTENANCE_REMINDER = "maintenance_reminder", _("Maintenance reminder")
        CAMPAIGN = "campaign", _("Manufacturer campaign / recall")

    UPCOMING = (Status.BOOKED, Status.CONFIRMED)
    HOLDS_CAPACITY = (Status.BOOKED, Status.CONFIRMED, Status.ARRIVED, Status.COMPLETED)

    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="appointments",
                              verbose_name=_("store"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="appointments",
                                 verbose_name=_("customer"))
    vehicle = models.ForeignKey("customers.Vehicle", on_delete=models.PROTECT, related_name="appointments",
                                verbose_name=_("vehicle"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="appointments",
                                     verbose_name=_("service type"))
    labour_hours = models.DecimalField(_("labour hours booked"), max_digits=4, decimal_places=1)
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="advised_appointments", verbose_name=_("service advisor"))
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    starts_at = models.DateTimeField(_("time"))
    version = models.PositiveIntegerField(_("version"), default=1)
    note = models.TextField(_("note"), blank=True)
    parts_late = models.BooleanField(_("parts late"), default=False)
    visit = models.OneToOneField("customers.ServiceVisit", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="appointment", verbose_name=_("repair order"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("booked by"))
    created_at = models.DateTimeField(_("booked"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        permissions = [
            ("receive_appointment", _("Can receive customers (arrivals, walk-ins, completion)")),
            ("export_appointments", _("Can export appointments to Excel")),
        ]
        constraints = [
            # A vehicle has one upcoming appointment at a time: a second is a duplicate.
            models.UniqueConstraint(fields=["vehicle"], condition=models.Q(status__in=["booked", "confirmed"]),
                                    name=ONE_UPCOMING_PER_VEHICLE,
                                    violation_error_message=_("This vehicle already has an upcoming appointment.")),
        ]
        indexes = [
            models.Index(fields=["store", "starts_at"], name="appointment_store_time"),
            models.Index(fields=["advisor", "starts_at"], name="appointment_advisor_time",
                         condition=models.Q(advisor__isnull=False)),
            models.Index(fields=["customer", "-starts_at"], name="appointment_customer"),
            models.Index(fields=["vehicle", "starts_at"], name="appointment_vehicle"),
            # The KPI module's arrivals: appointments by the day the customer came.
            models.Index(fields=["store", "arrived_at"], name="appointment_store_arrival",
                         condition=models.Q(arrived_at__isnull=False)),
            # The no-show job: upcoming appointments by time.
            models.Index(fields=["starts_at"], name="appointment_upcoming",
                         condition=models.Q(status__in=["booked", "confirmed"])),
        ]

    def __str__(self):
        return f"{self.vehicle} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + dt.timedelta(minutes=SLOT_MINUTES)

    @property
    def is_online(self):
        return self.source == self.Source.ONLINE

    @property
    def is_upcoming(self):
        return self.status in self.UPCOMING

    # --- Transitions --------------------------------------------------------------------------
    def confirm(self, *, by, note="", now=None):
        """The customer said yes (the D-2 call, or on the phone)."""
        return self._move(by, "appointments.change_appointment", self.UPCOMING, self.Status.CONFIRMED,
                          AppointmentTransition.Kind.CONFIRMED, note, now=now, stamp="confirmed_at")

    def arrive(self, *, by, now=None):
        """Reception saw the car; from a day before the slot is early, not an arrival."""
        from ..capacity import local

        now = now or timezone.now()
        if local(self.store, self.starts_at).date() != local(self.store, now).date():
            raise IllegalTransition(_("Only an appointment of today can be marked arrived."))
        return self._move(by, "appointments.receive_appointment", self.UPCOMING, self.Status.ARRIVED,
                          AppointmentTransition.Kind.ARRIVED, "", now=now, stamp="arrived_at")

    def complete(self, *, by, now=None):
        return self._move(by, "appointments.receive_appointment", [self.Status.ARRIVED], self.Status.COMPLETED,
                          AppointmentTransition.Kind.COMPLETED, "", now=now, stamp="finished_at")

    def cancel(self, *, by, reason, now=None):
        """Frees the capacity at once and tells the advisor. `by` None: the customer, online."""
        if not reason.strip():
            raise IllegalTransition(_("Say why the appointment is cancelled."))
        return self._move(by, "appointments.change_appointment", self.UPCOMING, self.Status.CANCELLED,
                          AppointmentTransition.Kind.CANCELLED, reason, now=now, stamp="finished_at",
                          free=True, tell_advisor=True)

    def mark_no_show(self, *, now=None):
        """The periodic job: not arrived by the slot's end plus the store's grace."""
        return self._move(None, None, self.UPCOMING, self.Status.NO_SHOW, AppointmentTransition.Kind.NO_SHOW, "",
                          now=now, stamp="finished_at", free=True)

    def reschedule(self, *, by, starts_at, advisor=None, keep_advisor=True, note="", now=None):
        """Move to another slot: claims the new capacity first, then frees the old, in one
        transaction; a full new slot leaves everything as it was (capacity.SlotTaken)."""
        from .. import capacity

        if by is not None and not by.has_perm("appointments.change_appointment"):
            raise IllegalTransition(_("Your role may not do this."))
        now = now or timezone.now()
        with transaction.atomic():
            current = type(self).objects.select_for_update(of=("self",)).select_related("store").get(pk=self.pk)
            current._require(*self.UPCOMING)
            new_advisor = current.advisor if keep_advisor and advisor is None else advisor
            if starts_at == current.starts_at and getattr(new_advisor, "pk", None) == current.advisor_id:
                raise IllegalTransition(_("Choose another time or advisor."))
            plan = capacity.check_bookable(current.store, starts_at, now=now,
                                           online=current.is_online and by is None)
            capacity.release(current)
            previous = current.starts_at
            current.starts_at, current.advisor = starts_at, new_advisor
            capacity.claim(current, online=current.is_online, plan=plan)
            current.version += 1
            current.status = self.Status.BOOKED
            current.confirmed_at = None
            current.save()
            AppointmentTransition.objects.create(
                appointment=current, actor=by, at=now, kind=AppointmentTransition.Kind.MOVED,
                from_status=self.status, to_status=current.status, from_starts_at=previous,
                to_starts_at=starts_at, note=note.strip(),
            )
            current._tell_advisor(AdvisorNotice.Kind.MOVED, now)
            current._withdraw_old_reminders()
        self._refresh_from(current)
        return self

    def _require(self, *allowed):
        if self.status not in allowed:
            raise IllegalTransition(_("This appointment is %(status)s; that cannot be done now.") % {
                "status": self.get_status_display()
            })

    def _move(self, by, permission, allowed_from, to, kind, note, now=None, stamp=None, free=False,
              tell_advisor=False):
        from .. import capacity

        if by is not None and permission and not by.has_perm(permission):
            raise IllegalTransition(_("Your role may not do this."))
        now = now or timezone.now()
        with transaction.atomic():
            # The row lock makes a concurrent move wait, then see the state it left.
            current = type(self).objects.select_for_update(of=("self",)).select_related("store").get(pk=self.pk)
            current._require(*allowed_from)
            if free:
                capacity.release(current)
            previous, current.status = current.status, to
            if stamp:
                setattr(current, stamp, now)
            current.save()
            AppointmentTransition.objects.create(appointment=current, actor=by, at=now, kind=kind,
                                            from_status=previous, to_status=to, note=note.strip())
            if tell_advisor:
                current._tell_advisor(AdvisorNotice.Kind.CANCELLED, now)
            if free:
                current._withdraw_old_reminders()
        self._refresh_from(current)
        return self

    def _tell_advisor(self, kind, now):
        if self.advisor_id:
            AdvisorNotice.objects.create(store_id=self.store_id, advisor_id=self.advisor_id, appointment=self,
                                         kind=kind, created_at=now)

    def _withdraw_old_reminders(self):
        """The reminder SMS and the D-2 call of a time the appointment no longer has."""
        from ..calls import withdraw_calls
        from ..jobs import withdraw_old_reminders

        withdraw_old_reminders(self)
        withdraw_calls(self)

    def _refresh_from(self, current):
        self.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})


class AppointmentTransition(models.Model):
    """One step of an appointment's life: who, when, what, and for a move the old and new time."""

    class Kind(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed")
        MOVED = "moved", _("Moved")
        ARRIVED = "arrived", _("Arrived")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", pgettext_lazy("appointment", "Cancelled")
        NO_SHOW = "no_show", _("No-show")
        LINKED = "linked", _("Repair order linked")
        PARTS_LATE = "parts_late", _("Parts late")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="timeline")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Appointment.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Appointment.Status.choices, blank=True)
    from_starts_at = models.DateTimeField(null=True, blank=True)
    to_starts_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    STORE_LOOKUP = "appointment__store"

    class Meta:
        verbose_name = _("appointment timeline entry")
        verbose_name_plural = _("appointment timeline entries")
        indexes = [models.Index(fields=["appointment", "at"], name="appointment_transition_time")]

    def __str__(self):
        return f"{self.appointment_id} {self.kind}"


class WalkIn(models.Model):
    """A customer who came without an appointment, recorded at reception in one step; with the
    booked arrivals it gives the appointment rate (booked arrivals / all arrivals)."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="walk_ins",
                              verbose_name=_("store"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="walk_ins",
                                 verbose_name=_("customer"))
    vehicle = models.ForeignKey("customers.Vehicle", on_delete=models.PROTECT, related_name="walk_ins",
                                verbose_name=_("vehicle"))
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("service advisor"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("service type"))
    arrived_at = models.DateTimeField(_("arrived"), default=timezone.now)
    visit = models.OneToOneField("customers.ServiceVisit", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="walk_in", verbose_name=_("repair order"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("walk-in")
        verbose_name_plural = _("walk-ins")
        indexes = [models.Index(fields=["store", "arrived_at"], name="walk_in_store_time")]

    def __str__(self):
        return f"{self.vehicle} · {self.arrived_at:%Y-%m-%d}"


class AdvisorNotice(models.Model):
    """Something an advisor should know about their appointments (moved, cancelled, parts late);
    shown on "my appointments today" until read."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+")
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    class Kind(models.TextChoices):
        MOVED = "moved", _("Appointment moved")
        CANCELLED = "cancelled", _("Appointment cancelled")
        NO_SHOW = "no_show", _("No-show: call the customer to rebook")
        PARTS_LATE = "parts_late", _("Parts will be late")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["advisor", "created_at"], name="advisor_notice_unread",
                                condition=models.Q(read_at__isnull=True))]


class PartOrder(models.Model):
    """A part ordered for an appointment, with when it is expected (seed 001: 若是订货零件不能在
    预约入厂日到货时, 应及时通知客户). appointments.parts decides "parts late" from these."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="parts",
                                    verbose_name=_("appointment"))
    description = models.CharField(_("part"), max_length=200)
    expected_on = models.DateField(_("expected on"))
    arrived = models.BooleanField(_("arrived"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    STORE_LOOKUP = "appointment__store"

    class Meta:
        verbose_name = _("part on order")
        verbose_name_plural = _("parts on order")
        indexes = [models.Index(fields=["appointment"], name="part_order_appointment")]

    def __str__(self):
        return self.description
