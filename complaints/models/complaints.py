from django.apps import apps
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Func
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet


class ComplaintSequence(models.Model):
    """The last complaint number handed out per store and year."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "year"], name="complaint_sequence_once")]

    @classmethod
    def next_number(cls, store, year) -> int:
        """The next number, in one statement: concurrent callers queue on the row, none repeats."""
        table = cls._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {table} (store_id, year, last) VALUES (%s, %s, 1)
                    ON CONFLICT (store_id, year) DO UPDATE SET last = {table}.last + 1
                    RETURNING last""",
                [store.pk, year],
            )
            return cursor.fetchone()[0]


class ComplaintManager(models.Manager.from_queryset(StoreScopedQuerySet)):
    def get_queryset(self):
        # The description's grams serve the search index only: no page reads them.
        return super().get_queryset().defer("description_grams")


class IllegalTransition(ValidationError):
    """A move the complaint's state or the user's role does not allow; says why."""


@tracked(exclude=["description_grams"])
class Complaint(models.Model):
    """A customer's complaint, worked in a closed loop until the customer is satisfied
    (seed 003: 直到客户满意为止). Every change of state is a method below, which checks the
    state and the user's role, and writes a `ComplaintTransition` in the same transaction."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        WALK_IN = "walk_in", _("Walk-in")
        RETURN_VISIT = "return_visit", _("Return-visit call")
        ONLINE = "online", _("Online form")
        EMAIL = "email", _("Email")
        SOCIAL_MEDIA = "social_media", _("Social media")
        MANUFACTURER = "manufacturer", _("Manufacturer hotline")

    class Category(models.TextChoices):
        SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
        REPAIR_QUALITY = "repair_quality", _("Repair quality")
        WAITING_TIME = "waiting_time", _("Waiting time")
        PRICE = "price", _("Price")
        PARTS = "parts", _("Parts")
        SALES = "sales", _("Sales")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        GENERAL = "general", _("General")
        ESCALATED = "escalated", _("Escalated")
        MAJOR = "major", _("Major")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("complaint", "New")
        ASSIGNED = "assigned", _("With the department")
        ANSWERED = "answered", _("Answered, to call back")
        CLOSED = "closed", pgettext_lazy("complaint", "Closed")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("store")
    )
    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    visit = models.ForeignKey(
        "customers.ServiceVisit", on_delete=models.PROTECT, null=True, blank=True,
        related_name="complaints", verbose_name=_("repair order"),
    )
    dissatisfaction = models.OneToOneField(
        "visits.Dissatisfaction", on_delete=models.PROTECT, null=True, blank=True,
        related_name="complaint", verbose_name=_("from the return-visit dissatisfaction"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    description = models.TextField(_("description"))
    # Every character and pair of neighbours of the description, written by PostgreSQL itself
    # (the function `search_grams`, migration 0004) whatever path writes the row, so a GIN index
    # finds the complaints whose description holds a word; pg_trgm needs three characters and
    # most Chinese words are two.
    description_grams = models.GeneratedField(
        expression=Func(F("description"), function="search_grams", output_field=ArrayField(models.TextField())),
        output_field=ArrayField(models.TextField()), db_persist=True, editable=False,
    )
    staff_concerned = models.CharField(_("staff concerned"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    department = models.ForeignKey(
        "aftersales.Department", on_delete=models.PROTECT, null=True, blank=True,
        related_name="complaints", verbose_name=_("responsible department"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="handled_complaints", verbose_name=_("handler"),
    )
    rounds = models.PositiveSmallIntegerField(_("rounds with the department"), default=0)
    investigation = models.TextField(_("investigation"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    resolution = models.TextField(_("proposed resolution"), blank=True)
    customer_feedback = models.TextField(_("customer's words at the callback"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    # Empty when the customer filed it on the public page.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    closed_at = models.DateTimeField(pgettext_lazy("complaint", "closed"), null=True, blank=True)
    # The current step (acknowledge, answer, call back) began at `step_started_at` and is due at
    # `due_at`, computed once by complaints.deadlines and stored, so breaches are an index scan.
    step_started_at = models.DateTimeField(_("step started"), default=timezone.now)
    due_at = models.DateTimeField(pgettext_lazy("complaint step", "due"), null=True, blank=True)
    # Who has been told the step is overdue is kept in `ComplaintEscalation`, a row of its own.

    objects = ComplaintManager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        permissions = [
            ("triage_complaint", _("Can accept, route and cancel complaints")),
            ("answer_complaint", _("Can answer complaints for the department")),
            ("callback_complaint", _("Can call customers back about complaints")),
            ("export_complaints", _("Can export complaints to Excel")),
        ]
        indexes = [
            models.Index(fields=["store", "status", "-created_at"], name="complaint_store_status"),
            models.Index(fields=["customer", "-created_at"], name="complaint_customer"),
            models.Index(fields=["department", "status"], name="complaint_department",
                         condition=models.Q(department__isnull=False)),
            # Overdue first on the lists: the open complaints of a store by due time.
            models.Index(fields=["store", "due_at"], name="complaint_store_due",
                         condition=models.Q(due_at__isnull=False)),
            models.Index(fields=["store", "-created_at", "-id"], name="complaint_store_time"),
            # The KPI figures of a period count the complaints registered in it or closed in it:
            # with this index beside `complaint_store_time` PostgreSQL ORs the two, where it read
            # every complaint of the store (8,800 pages for a store's 10,000; 21 → 12 ms).
            models.Index(fields=["store", "closed_at"], name="complaint_store_closed",
                         condition=models.Q(closed_at__isnull=False)),
            # A search over several stores: the newest first until the page is full.
            models.Index(fields=["-created_at", "-id"], name="complaint_time"),
            # Without GIN's pending list, which every search would scan whole (as customer_name_grams).
            GinIndex(fields=["description_grams"], name="complaint_description_grams", fastupdate=False),
            # The overdue complaints a search over several stores puts first: the open ones' words
            # (a twentieth of the entries), ANDed with `complaint_store_due`. Its condition is the
            # status, not `due_at` as there: PostgreSQL does not AND two indexes with one condition.
            GinIndex(fields=["description_grams"], name="complaint_open_grams", fastupdate=False,
                     condition=models.Q(status__in=["new", "assigned", "answered"])),  # Complaint.OPEN
        ]

    def __str__(self):
        return self.number

    OPEN = (Status.NEW, Status.ASSIGNED, Status.ANSWERED)

    @property
    def step_label(self):
        """What the complaint waits for now; empty once closed or cancelled."""
        return {
            self.Status.NEW: _("Acknowledge and route to a department"),
            self.Status.ASSIGNED: _("The department answers"),
            self.Status.ANSWERED: _("Call the customer back"),
        }.get(self.status, "")

    @property
    def is_open(self):
        return self.status in self.OPEN

    def is_overdue(self, now=None):
        return self.due_at is not None and self.due_at < (now or timezone.now())

    # --- Transitions --------------------------------------------------------------------------
    def assign(self, *, by, department, handler=None, note="", now=None):
        """Accept the complaint (or send it back after an unhappy callback) to a department."""
        if department.store_id != self.store_id:
            raise IllegalTransition(_("Choose a department of this complaint's store."))
        if handler is not None and not handler.stores.filter(pk=self.store_id).exists():
            raise IllegalTransition(_("The handler must work at this complaint's store."))
        if handler is not None and handler.department_id != department.pk and department.head_id != handler.pk:
            raise IllegalTransition(_("%(handler)s does not work in %(department)s.") % {
                "handler": handler, "department": department,
            })
        return self._move(by, "complaints.triage_complaint", [self.Status.NEW], self.Status.ASSIGNED, note,
                          now=now, department=department, handler=handler)

    def cancel(self, *, by, reason, duplicate_of=None, now=None):
        """Invalid or a duplicate: cancelled with the reason (and the original), never deleted."""
        if not reason.strip():
            raise IllegalTransition(_("Say why the complaint is cancelled."))
        if duplicate_of is not None and (duplicate_of.pk == self.pk or duplicate_of.store_id != self.store_id):
            raise IllegalTransition(_("The original must be another complaint of the same store."))
        with transaction.atomic():
            self._move(by, "complaints.triage_complaint", [self.Status.NEW], self.Status.CANCELLED, reason,
                       now=now, duplicate_of=duplicate_of)
            if self.dissatisfaction_id:
                # The finding it came from is dismissed with it, for the same reason.
                dissatisfaction = apps.get_model("visits", "Dissatisfaction")
                dissatisfaction.objects.filter(pk=self.dissatisfaction_id).update(
                    status=dissatisfaction.Status.DISMISSED
                )
        return self

    def answer(self, *, by, investigation, root_cause, corrective_action, resolution, now=None):
        """The department's answer; only the department's own people (or a supervisor) give it."""
        self._require(self.Status.ASSIGNED)
        if not all(text.strip() for text in (investigation, root_cause, corrective_action, resolution)):
            raise IllegalTransition(_("Fill in the investigation, root cause, corrective action and resolution."))
        if not by.has_perm("complaints.triage_complaint") and by.department_id != self.department_id:
            raise IllegalTransition(_("Only the responsible department answers this complaint."))
        return self._move(by, "complaints.answer_complaint", [self.Status.ASSIGNED], self.Status.ANSWERED,
                          resolution, now=now, investigation=investigation, root_cause=root_cause,
                          corrective_action=corrective_action, resolution=resolution)

    def record_callback(self, *, by, satisfied, customer_words, now=None):
        """The customer's verdict: satisfied closes the loop; not satisfied sends it back to the
        department with the customer's words, for another round."""
        if not satisfied and not customer_words.strip():
            raise IllegalTransition(_("Write down what the customer still finds wrong."))
        if satisfied:
            with transaction.atomic():
                self._move(by, "complaints.callback_complaint", [self.Status.ANSWERED], self.Status.CLOSED,
                           customer_words, now=now, customer_feedback=customer_words)
                self._tell_customer_the_outcome()
            return self
        return self._move(by, "complaints.callback_complaint", [self.Status.ANSWERED], self.Status.ASSIGNED,
                          customer_words, now=now, customer_feedback=customer_words)

    def _tell_customer_the_outcome(self):
        """Seed 002 §3.2.3: the customer hears how the complaint ended, once (the outbox)."""
        from aftersales.messaging.services import queue_message

        customer = self.customer
        queue_message(
            store=self.store, kind="complaint_outcome", customer=customer,
            idempotency_key=f"complaint-outcome:{self.pk}",
            context={"name": customer.name, "number": self.number, "outcome": self.resolution[:200]},
        )

    def _require(self, *allowed):
        if self.status not in allowed:
            raise IllegalTransition(_("This complaint is %(status)s; that cannot be done now.") % {
                "status": self.get_status_display()
            })

    def _move(self, by, permission, allowed_from, to, note, now=None, **changes):
        if not by.has_perm(permission):
            raise IllegalTransition(_("Your role may not do this."))
        with transaction.atomic():
            # The row lock makes a concurrent move wait, then see the state it left.
            current = type(self).objects.select_for_update(of=("self",)).select_related("store").get(pk=self.pk)
            current._require(*allowed_from)
            if to == self.Status.ASSIGNED and current.status == self.Status.ANSWERED:
                changes["rounds"] = current.rounds + 1
            elif to == self.Status.ASSIGNED:
                changes["rounds"] = 1
            for field, value in changes.items():
                setattr(current, field, value)
            previous, current.status = current.status, to
            now = now or timezone.now()
            if to in (self.Status.CLOSED, self.Status.CANCELLED):
                current.closed_at = now
            from ..deadlines import schedule_step

            escalation = schedule_step(current, started_at=now)
            current.save()
            escalation.save()
            ComplaintTransition.objects.create(
                complaint=current, actor=by, at=now, from_status=previous, to_status=to, note=note.strip()
            )
        self.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
        return self


@tracked()
class ComplaintEscalation(models.Model):
    """Who has been told that a complaint's current step is overdue (0 nobody, 1 the handler,
    2 the supervisor, 3 the manager) and when the next of them is to be told.

    A narrow row of its own rather than two columns of the complaint: the escalation job rewrites
    thousands of these every few minutes after a weekend, and every rewrite of a complaint row
    adds an entry to each of its many indexes (its words' GIN index among them) and a full copy
    of the complaint to its history. This row has two indexes and a three-column history.
    Written with the complaint when each step begins (`deadlines.schedule_step`)."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, primary_key=True,
                                     related_name="escalation")
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalate_at = models.DateTimeField(_("next escalation"), null=True, blank=True)

    STORE_LOOKUP = "complaint__store"

    class Meta:
        verbose_name = _("complaint escalation")
        verbose_name_plural = _("complaint escalations")
        indexes = [
            # The escalation job: only rows with an escalation still to come are in the index.
            models.Index(fields=["escalate_at"], name="complaint_escalation_due",
                         condition=models.Q(escalate_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.complaint_id}: {self.level}"


class ComplaintTransition(models.Model):
    """One change of a complaint's state: who, when, from, to and why. The timeline, the audit
    trail and the input of the figures."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="transitions")
    # Empty for the customer (the public page) and for the system.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=10, choices=Complaint.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Complaint.Status.choices)
    note = models.TextField(blank=True)

    STORE_LOOKUP = "complaint__store"

    class Meta:
        verbose_name = _("complaint transition")
        verbose_name_plural = _("complaint transitions")
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_transition_time")]

    def __str__(self):
        return f"{self.complaint} {self.from_status} → {self.to_status}"


def attachment_path(attachment, filename):
    return f"complaints/{attachment.complaint.store_id}/{timezone.now():%Y/%m}/{filename}"


class ComplaintAttachment(models.Model):
    """A photo, recording or document given with the complaint or gathered while handling it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    STORE_LOOKUP = "complaint__store"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["complaint", "uploaded_at"], name="complaint_attachment_time")]

    def __str__(self):
        return self.original_name
