import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet

from .rules import FollowUpRule


# Two calls to one customer due on one day become one call (the morning job's merge, and the
# data generators that imitate it): the one rule, by these columns.
SAME_CALL = ("customer_id", "due_on")


def care_after_complaint(number):
    """What the queue and the call screen call a care call that follows a complaint."""
    return _("Care call after complaint %(number)s") % {"number": number}


class FollowUpQuerySet(StoreScopedQuerySet):
    def in_queue(self):
        """Calls still to make that stand for themselves (not covered by another call)."""
        return self.filter(status=FollowUp.Status.PENDING, merged_into__isnull=True)

    def due_by(self, day):
        return self.in_queue().filter(due_on__lte=day)

    def skip_pending_of_customer(self, customer_id, reason, now):
        """The customer's calls still to make are not to be made (e.g. they refused calls)."""
        return self.filter(customer_id=customer_id, status=FollowUp.Status.PENDING).update(
            status=FollowUp.Status.SKIPPED, skip_reason=reason, finished_at=now, claimed_by=None, claimed_until=None,
        )


@tracked(exclude=["claimed_until"])
class FollowUp(models.Model):
    """One call to make: created by the morning job from a repair order, a delivery, a
    dissatisfaction or a complaint, due on a day, open for the rule's window."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To call")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Unreachable")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        SKIPPED = "skipped", _("Not to be called")

    class SkipReason(models.TextChoices):
        DO_NOT_CONTACT = "do_not_contact", _("Customer must not be contacted")
        REFUSED_CALLS = "refused_calls", _("Customer refused service calls")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        REFUSED = "refused", _("Refused the call")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        NO_ANSWER = "no_answer", _("Never answered")

    # Foreign keys whose lookups another index already serves carry no index of their own:
    # each index costs every insert of the morning job, on a table of ten million rows.
    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.PROTECT, related_name="followups", verbose_name=_("store"),
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="followups",
        verbose_name=_("customer"), db_index=False,
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.PROTECT, related_name="followups",
        verbose_name=_("vehicle"),
    )
    visit = models.ForeignKey(
        "customers.ServiceVisit", on_delete=models.PROTECT, null=True, blank=True,
        related_name="followups", verbose_name=_("repair order"), db_index=False,
    )
    dissatisfaction = models.ForeignKey(
        "visits.Dissatisfaction", on_delete=models.PROTECT, null=True, blank=True,
        related_name="care_calls", verbose_name=_("dissatisfaction cared for"), db_index=False,
    )
    # A complaint registered on its own (not from a return-visit dissatisfaction, which has
    # its care calls already): the customer is called monthly after it too.
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
        related_name="care_calls", verbose_name=_("complaint cared for"), db_index=False,
    )
    # A reminder, renewal, recall or campaign call (visits.care): one call per occasion.
    care_occasion = models.ForeignKey(
        "visits.CareOccasion", on_delete=models.PROTECT, null=True, blank=True,
        related_name="calls", verbose_name=_("care occasion"), db_index=False,
    )
    rule = models.ForeignKey(FollowUpRule, on_delete=models.PROTECT, related_name="followups")
    offset_days = models.PositiveSmallIntegerField(_("days after"))
    due_on = models.DateField(_("due"))
    expires_on = models.DateField(_("expires"))
    # The rule's priority, plus one for a car in warranty and one for a loyal customer.
    priority = models.SmallIntegerField(_("priority"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(_("not called because"), max_length=20, choices=SkipReason.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # Same customer, same day: one call covers both; this one follows the call it points at.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="covered",
        verbose_name=_("covered by the call"), db_index=False,
    )
    # Not before this moment (a retry after no answer, or "call me back at 15:00").
    next_call_at = models.DateTimeField(_("call from"), null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(_("unanswered attempts"), default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_followups", verbose_name=_("assigned to"), db_index=False,
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="claimed_followups", verbose_name=_("being called by"), db_index=False,
    )
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # What another module's call is about, e.g. "appointment:12:v2" (visits.services.call_outcomes).
    # A database default: the morning job inserts follow-ups in raw SQL that does not name it.
    external_ref = models.CharField(max_length=60, blank=True, default="", db_default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        permissions = [
            ("work_queue", _("Can work the callback queue")),
            ("assign_followup", _("Can assign follow-up calls to agents")),
            ("view_call_reports", _("Can view the call reports")),
        ]
        constraints = [
            # The morning job's idempotency: one call per event, rule and offset, however
            # often, concurrently or late the job runs.
            models.UniqueConstraint(
                fields=["visit", "rule", "offset_days"], condition=models.Q(visit__isnull=False),
                name="followup_once_per_visit",
            ),
            models.UniqueConstraint(
                fields=["vehicle", "rule", "offset_days"],
                condition=models.Q(visit__isnull=True, dissatisfaction__isnull=True, complaint__isnull=True,
                                   external_ref="", care_occasion__isnull=True),
                name="followup_once_per_delivery",
            ),
            models.UniqueConstraint(
                fields=["rule", "external_ref"], condition=~models.Q(external_ref=""),
                name="followup_once_per_external_ref",
            ),
            models.UniqueConstraint(
                fields=["care_occasion"], condition=models.Q(care_occasion__isnull=False),
                name="followup_once_per_care_occasion",
            ),
            models.UniqueConstraint(
                fields=["dissatisfaction", "rule", "offset_days"],
                condition=models.Q(dissatisfaction__isnull=False),
                name="followup_once_per_dissatisfaction",
            ),
            models.UniqueConstraint(
                fields=["complaint", "rule", "offset_days"],
                condition=models.Q(complaint__isnull=False),
                name="followup_once_per_complaint",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("due_on")), name="followup_expires_after_due"
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="followup_not_merged_into_itself"
            ),
        ]
        indexes = [
            # The queue and "next call": what a store still has to call, in queue order.
            models.Index(
                "store", "due_on", models.F("priority").desc(), "id", name="followup_queue",
                condition=models.Q(status="pending", merged_into__isnull=True),
            ),
            models.Index(fields=["customer", "-due_on"], name="followup_customer"),
            # Every call still to make, covered ones included: the morning job's cancellations
            # look them up without reading the whole table.
            models.Index(fields=["vehicle"], name="followup_pending", condition=models.Q(status="pending")),
            models.Index(fields=["store", "finished_at"], name="followup_store_finished"),
            # A store's calls by the day they are due, whatever their state: the KPI figures'
            # calls due in a period (a month of the whole group is 300,000 calls), read from the
            # index alone with the columns the counts look at, and the call list of a period
            # (newest first, read backwards).
            models.Index(fields=["store", "due_on", "id"], name="followup_kpi_due",
                         include=["status", "outcome", "merged_into", "visit"]),
            # Live and stale claims: a handful of rows, whoever holds them.
            models.Index(
                fields=["claimed_by", "claimed_until"], name="followup_claimed",
                condition=models.Q(claimed_until__isnull=False),
            ),
            models.Index(fields=["assigned_to"], name="followup_assigned",
                         condition=models.Q(assigned_to__isnull=False)),
            models.Index(fields=["merged_into"], name="followup_merged_into",
                         condition=models.Q(merged_into__isnull=False)),
        ]

    def __str__(self):
        return f"{self.customer} · {self.due_on}"

    @property
    def is_care_call(self):
        return self.rule.trigger == FollowUpRule.Trigger.CARE_CALL

    @property
    def label(self):
        """What kind of call this is, e.g. "Major overhaul" or "Care call after complaint
        A-2026-00001" (reads the complaint when it is not selected with the call)."""
        if self.complaint_id:
            return care_after_complaint(self.complaint.number)
        return self.rule.label

    @property
    def takes_survey(self):
        """A return visit after a repair order asks the satisfaction survey; reminder, sales
        and care calls do not."""
        return self.visit_id is not None and self.rule.trigger == FollowUpRule.Trigger.REPAIR_TYPE

    # --- What a dial does to the call (the caller holds the row lock: record_attempt) ---------
    def _drop_claim(self):
        self.claimed_by = None
        self.claimed_until = None

    def finish(self, status, outcome, now):
        """The call is over; the calls it covers (same customer, same day) end with it."""
        self._drop_claim()
        self.status = status
        self.outcome = outcome
        self.finished_at = now
        self.save(update_fields=["status", "outcome", "finished_at", "attempt_count", "claimed_by", "claimed_until"])
        FollowUp.objects.filter(merged_into=self, status=self.Status.PENDING).update(
            status=status, outcome=outcome, finished_at=now
        )

    def not_reached(self, *, policy, tried_today, next_opening, now):
        """No answer or busy: back after the retry delay, the next opening once the day's tries
        are used, unreachable once all are."""
        self.attempt_count += 1
        if self.attempt_count >= policy.max_attempts:
            self.finish(self.Status.UNREACHABLE, self.Outcome.NO_ANSWER, now)
            return
        self._drop_claim()
        if tried_today >= policy.max_attempts_per_day:
            self.next_call_at = next_opening
        else:
            self.next_call_at = now + dt.timedelta(minutes=policy.retry_after_minutes)
        self.save(update_fields=["attempt_count", "next_call_at", "claimed_by", "claimed_until"])

    def call_back(self, when, now):
        """The customer asked to be called back at `when`, which must be before the call expires."""
        if when is None or when <= now:
            raise ValidationError(_("Give a time in the future to call back."))
        if timezone.localtime(when).date() > self.expires_on:
            raise ValidationError(_("That is after this call expires (%(day)s).") % {"day": self.expires_on})
        self._drop_claim()
        self.next_call_at = when
        self.save(update_fields=["next_call_at", "claimed_by", "claimed_until"])

    def is_claimed(self, now=None):
        return self.claimed_until is not None and self.claimed_until > (now or timezone.now())

    def is_claimed_by(self, user, now=None):
        return self.claimed_by_id == user.pk and self.is_claimed(now)

    def is_claimed_by_another(self, user, now=None):
        return self.claimed_by_id not in (None, user.pk) and self.is_claimed(now)


class CallAttempt(models.Model):
    """One dial of one follow-up call, with what came of it."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        REFUSED = "refused", _("Refused")
        CALL_BACK = "call_back", _("Call back later")

    NOT_REACHED = (Outcome.NO_ANSWER, Outcome.BUSY)

    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="+", db_index=False)
    followup = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("follow-up"),
        db_index=False,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_attempts",
        verbose_name=_("agent"),
    )
    called_at = models.DateTimeField(_("called"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    call_back_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        indexes = [
            models.Index(fields=["followup", "called_at"], name="attempt_followup"),
            models.Index(fields=["store", "called_at"], name="attempt_store_time"),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} · {self.called_at:%Y-%m-%d %H:%M}"
