from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.history import tracked
from aftersales.scoping import StoreScopedQuerySet

# The dimensions a CSI survey weighs, each scored 1–5, in the order the questions are asked.
DIMENSIONS = [
    ("booking", _("Service initiation / booking")),
    ("advisor", _("Service advisor")),
    ("repair_quality", _("Repair quality")),
    ("timeliness", _("Timeliness")),
    ("facility", _("Facility and cleanliness")),
    ("pickup_price", _("Vehicle pick-up and price explanation")),
]
DIMENSION_FIELDS = [name for name, _label in DIMENSIONS]
# Every question of the survey; an on-site answer to any of them is not asked again by phone.
QUESTIONS = ["overall", *DIMENSION_FIELDS, "fixed_right"]
# A score at or below this is an unhappy answer (overall or any dimension).
UNHAPPY_AT_MOST = 2


def _score(label):
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class SurveyResponse(models.Model):
    """Answers to the satisfaction survey about one repair order: asked by the advisor at
    delivery (on site) or by an agent on the return-visit call. A question left empty was not
    asked (answered on site already) or not answered."""

    class Source(models.TextChoices):
        ON_SITE = "on_site", _("On site at delivery")
        CALL = "call", _("Return-visit call")

    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="+", db_index=False)
    visit = models.ForeignKey(
        "customers.ServiceVisit", on_delete=models.PROTECT, related_name="survey_responses",
        verbose_name=_("repair order"),
    )
    followup = models.OneToOneField(
        "visits.FollowUp", on_delete=models.PROTECT, null=True, blank=True,
        related_name="survey", verbose_name=_("follow-up"),
    )
    source = models.CharField(_("asked"), max_length=10, choices=Source.choices)
    overall = _score(_("Overall satisfaction"))
    booking = _score(DIMENSIONS[0][1])
    advisor = _score(DIMENSIONS[1][1])
    repair_quality = _score(DIMENSIONS[2][1])
    timeliness = _score(DIMENSIONS[3][1])
    facility = _score(DIMENSIONS[4][1])
    pickup_price = _score(DIMENSIONS[5][1])
    fixed_right = models.BooleanField(_("Fixed right the first time"), null=True, blank=True)
    comment = models.TextField(_("customer's words"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["visit"], condition=models.Q(source="on_site"), name="survey_one_on_site_per_visit",
                violation_error_message=_("The on-site survey of this repair order is already recorded."),
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__isnull": True}) | models.Q(**{f"{name}__range": (1, 5)}),
                    name=f"survey_{name}_1_to_5",
                )
                for name in ["overall", *DIMENSION_FIELDS]
            ],
        ]
        indexes = [
            models.Index(fields=["store", "recorded_at"], name="survey_store_time"),
        ]

    def __str__(self):
        return f"{self.visit} · {self.get_source_display()}"

    def answered(self):
        return {name for name in QUESTIONS if getattr(self, name) is not None}

    def unhappy_answers(self) -> list[str]:
        """The questions answered unhappily: a score ≤ 2, or not fixed right the first time."""
        reasons = [
            name for name in ["overall", *DIMENSION_FIELDS]
            if getattr(self, name) is not None and getattr(self, name) <= UNHAPPY_AT_MOST
        ]
        if self.fixed_right is False:
            reasons.append("fixed_right")
        return reasons


QUESTION_LABELS = {
    "overall": SurveyResponse._meta.get_field("overall").verbose_name,
    **dict(DIMENSIONS),
    "fixed_right": SurveyResponse._meta.get_field("fixed_right").verbose_name,
}


class DissatisfactionQuerySet(StoreScopedQuerySet):
    def recent(self, since):
        return self.filter(created_at__gte=since)


@tracked()
class Dissatisfaction(models.Model):
    """An unhappy answer on a return-visit call, on the customer's file at once; the complaint
    loop turns it into a complaint (or a supervisor dismisses it with a reason)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLAINT = "complaint", _("Turned into a complaint")
        DISMISSED = "dismissed", _("Dismissed")

    store = models.ForeignKey(
        "aftersales.Store", on_delete=models.PROTECT, related_name="dissatisfactions", verbose_name=_("store"),
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="dissatisfactions",
        verbose_name=_("customer"), db_index=False,
    )
    visit = models.ForeignKey(
        "customers.ServiceVisit", on_delete=models.PROTECT, null=True, blank=True,
        related_name="dissatisfactions", verbose_name=_("repair order"),
    )
    followup = models.ForeignKey(
        "visits.FollowUp", on_delete=models.PROTECT, null=True, blank=True,
        related_name="dissatisfactions", verbose_name=_("follow-up"),
    )
    survey = models.OneToOneField(
        SurveyResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="dissatisfaction"
    )
    reasons = ArrayField(models.CharField(max_length=20), verbose_name=_("unhappy about"))
    customer_words = models.TextField(_("customer's words"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = DissatisfactionQuerySet.as_manager()

    class Meta:
        verbose_name = _("dissatisfaction")
        verbose_name_plural = _("dissatisfactions")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="dissatisfaction_customer"),
            models.Index(fields=["store", "created_at"], name="dissatisfaction_store_time"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.created_at:%Y-%m-%d}"

    def reason_labels(self):
        return [str(QUESTION_LABELS.get(code, code)) for code in self.reasons]


class EndOfDayReport(models.Model):
    """The end-of-day call summary of one store and day, as sent to its managers: the row is
    written once (a unique constraint), so the beat job sends each day's summary once."""

    store = models.ForeignKey("aftersales.Store", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    figures = models.JSONField(default=dict)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("end-of-day report")
        verbose_name_plural = _("end-of-day reports")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="end_of_day_once")]

    def __str__(self):
        return f"{self.store} · {self.day}"
