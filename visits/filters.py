"""The staff lists of return-visit calls, survey answers and dissatisfactions, and their filters.

Each is the drill-down of the KPI figures on its records: the `kpi` filter names the count a
figure's numerator (or denominator) is, and reads the very condition the figure's aggregate
reads (`selectors.KPI_CALL_FILTERS`, `KPI_SURVEY_FILTERS`); with the period's dates and the
store (advisor, repair type, kind) the list holds exactly the records the figure counts."""
import datetime as dt
import zoneinfo

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.filters import BootstrapWidgets, LightFilterCopies, store_choices
from aftersales.scoping import visible_stores
from aftersales.widget_rendering import ManyOptionsSelect
from customers.models.service import RepairType

from . import selectors
from .models import QUESTION_LABELS, Dissatisfaction, FollowUp, FollowUpRule, SurveyResponse
from .models.surveys import UNHAPPY_AT_MOST

Status = FollowUp.Status

DATE_RANGE = {"widget": django_filters.widgets.DateRangeWidget(attrs={"type": "date"})}


def _survey_kpi_choices():
    choices = []
    for name in ["overall", *selectors.DIMENSION_NAMES]:
        label = QUESTION_LABELS[name]
        choices.append((f"{name}_answered", _("%(question)s: answered") % {"question": label}))
        choices.append((f"{name}_satisfied", _("%(question)s: 4 or 5") % {"question": label}))
    choices.append(("fixed_right_answered", _("%(question)s: answered") % {"question": QUESTION_LABELS["fixed_right"]}))
    choices.append(("fixed_right_yes", _("%(question)s: yes") % {"question": QUESTION_LABELS["fixed_right"]}))
    return choices


class _StaffListFilter(LightFilterCopies, BootstrapWidgets, django_filters.FilterSet):
    """Over the records of the stores the user may see (read once: one query), with Bootstrap's
    classes on the widgets."""

    store = django_filters.ChoiceFilter(label=_("Store"), choices=[], field_name="store_id", widget=ManyOptionsSelect)
    # The drill-down's advisor (a repair order's service advisor); hidden, as on the appointment list.
    advisor = django_filters.NumberFilter(field_name="visit__advisor_id", widget=forms.HiddenInput)
    repair_type = django_filters.ChoiceFilter(label=_("Repair type"), choices=RepairType.choices,
                                              field_name="visit__repair_type")

    def __init__(self, data=None, *, request):
        self.stores = visible_stores(request.user)
        self.store_ids = [store.pk for store in self.stores]
        model = self._meta.model
        super().__init__(data, queryset=model.objects.filter(store_id__in=self.store_ids), request=request)
        self.filters["store"].extra["choices"] = store_choices(self.stores)

    @property
    def several_stores(self):
        return len(self.stores) > 1

    def zone(self):
        """The zone the dates are read in: the chosen stores' own when they share one, else the
        group's (as the figures count them: kpi.metrics.zone_of)."""
        picked = self.data.get("store") if self.data else None
        stores = [store for store in self.stores if str(store.pk) == str(picked)] or self.stores
        zones = {store.time_zone for store in stores}
        return zoneinfo.ZoneInfo(zones.pop() if len(zones) == 1 else settings.TIME_ZONE)

    def _local_range(self, queryset, field, value):
        zone = self.zone()
        if value.start:
            queryset = queryset.filter(**{f"{field}__gte": dt.datetime.combine(value.start, dt.time(), tzinfo=zone)})
        if value.stop:
            stop = dt.datetime.combine(value.stop + dt.timedelta(days=1), dt.time(), tzinfo=zone)
            queryset = queryset.filter(**{f"{field}__lt": stop})
        return queryset


class FollowUpFilter(_StaffListFilter):
    kind = django_filters.ChoiceFilter(label=_("Kind of call"), choices=FollowUpRule.Trigger.choices,
                                       field_name="rule__trigger")
    due = django_filters.DateFromToRangeFilter(label=_("Due"), field_name="due_on", **DATE_RANGE)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=FollowUp.Outcome.choices)
    survey = django_filters.ChoiceFilter(label=_("Survey"), method="filter_survey", choices=[
        ("answered", _("Answered on the call")),
        ("satisfied", _("Satisfied (overall 4 or 5)")),
        ("dissatisfied", _("Dissatisfied")),
        ("fixed_right", _("Fixed right the first time")),
        ("not_fixed_right", _("Not fixed right the first time")),
    ])
    kpi = django_filters.ChoiceFilter(label=_("Counted in the figure"), method="filter_kpi", choices=[
        ("due", pgettext_lazy("calls counted", "Due")),
        ("made", _("Finished (done or unreachable)")),
        ("reached", _("Reached the customer")),
        ("warranty_due", _("After a warranty repair: due")),
        ("warranty_made", _("After a warranty repair: finished")),
    ])

    class Meta:
        model = FollowUp
        fields = ["store", "advisor", "kind", "repair_type", "due", "status", "outcome", "survey", "kpi"]

    def filter_survey(self, queryset, name, value):
        if value == "answered":
            return queryset.filter(survey__isnull=False)
        if value == "satisfied":
            return queryset.filter(survey__overall__gte=4)
        if value == "dissatisfied":
            return queryset.filter(pk__in=Dissatisfaction.objects.filter(followup__isnull=False).values("followup_id"))
        return queryset.filter(survey__fixed_right=value == "fixed_right")

    def filter_kpi(self, queryset, name, value):
        return queryset.filter(selectors.kpi_calls_where(value))


class SurveyFilter(_StaffListFilter):
    recorded = django_filters.DateFromToRangeFilter(label=_("Recorded on"), method="filter_recorded", **DATE_RANGE)
    source = django_filters.ChoiceFilter(label=_("Asked"), choices=SurveyResponse.Source.choices)
    answer = django_filters.ChoiceFilter(label=_("Answer"), method="filter_answer", choices=[
        ("satisfied", _("Satisfied (overall 4 or 5)")),
        ("dissatisfied", _("Dissatisfied")),
        ("fixed_right", _("Fixed right the first time")),
        ("not_fixed_right", _("Not fixed right the first time")),
    ])
    kpi = django_filters.ChoiceFilter(label=_("Counted in the figure"), method="filter_kpi",
                                      choices=_survey_kpi_choices())

    class Meta:
        model = SurveyResponse
        fields = ["store", "advisor", "repair_type", "recorded", "source", "answer", "kpi"]

    def filter_recorded(self, queryset, name, value):
        return self._local_range(queryset, "recorded_at", value)

    def filter_answer(self, queryset, name, value):
        if value == "satisfied":
            return queryset.filter(overall__gte=4)
        if value == "dissatisfied":
            unhappy = Q(fixed_right=False)
            for question in ["overall", *selectors.DIMENSION_NAMES]:
                unhappy |= Q(**{f"{question}__lte": UNHAPPY_AT_MOST})
            return queryset.filter(unhappy)
        return queryset.filter(fixed_right=value == "fixed_right")

    def filter_kpi(self, queryset, name, value):
        return queryset.filter(selectors.KPI_SURVEY_FILTERS[value])


class DissatisfactionFilter(_StaffListFilter):
    recorded = django_filters.DateFromToRangeFilter(label=_("Recorded on"), method="filter_recorded", **DATE_RANGE)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Dissatisfaction.Status.choices)

    class Meta:
        model = Dissatisfaction
        fields = ["store", "advisor", "repair_type", "recorded", "status"]

    def filter_recorded(self, queryset, name, value):
        return self._local_range(queryset, "created_at", value)
