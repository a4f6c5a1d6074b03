import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from aftersales.choices import SharedChoices
from aftersales.filters import BootstrapWidgets, LightFilterCopies, store_choices
from aftersales.models import Store
from aftersales.scoping import for_user, visible_stores
from aftersales.widget_rendering import ManyOptionsSelect

from .models import Customer, CustomerConsent, ServiceVisit
from .models.people import LoyaltyTier
from .models.service import RepairType

DATE = forms.DateInput(attrs={"type": "date"})


class AnyYesNo(django_filters.widgets.BooleanWidget):
    """Yes / no / any, where an unset filter reads "any" rather than "unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("Any")), ("true", _("Yes")), ("false", _("No")))


def advisor_choices(user) -> SharedChoices:
    """The service advisors of the user's stores as (id, name), read as values: the list's filter
    shows only their names, and model instances of every advisor cost more than the query."""
    User = get_user_model()
    people = (User.objects.filter(groups__name="advisor", stores__in=for_user(Store.objects.all(), user))
              .distinct().order_by("full_name", "pk").values_list("pk", *User.NAME_FIELDS))
    return SharedChoices((pk, User.name_of(*names)) for pk, *names in people)


class CustomerFilter(LightFilterCopies, BootstrapWidgets, django_filters.FilterSet):
    """The customer list over the user's stores (their ids and names read once, as plain values,
    for the store filter's choices)."""

    store = django_filters.ChoiceFilter(label=_("Store"), choices=[], field_name="store_id", widget=ManyOptionsSelect)
    loyalty_tier = django_filters.ChoiceFilter(label=_("Loyalty tier"), choices=LoyaltyTier.choices)
    churn_risk = django_filters.BooleanFilter(
        label=_("Churn risk"), method="filter_churn_risk", widget=AnyYesNo
    )
    marketing_consent = django_filters.BooleanFilter(
        label=_("Agreed to marketing"), method="filter_marketing_consent", widget=AnyYesNo
    )
    do_not_contact = django_filters.BooleanFilter(label=_("Do not contact"), widget=AnyYesNo)
    last_visit = django_filters.DateFromToRangeFilter(
        label=_("Last visit"), field_name="last_visit_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Customer
        fields = ["store", "loyalty_tier", "churn_risk", "marketing_consent", "do_not_contact", "last_visit"]

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["store"].extra["choices"] = store_choices(visible_stores(request.user))

    def filter_churn_risk(self, queryset, name, value):
        at_risk = [LoyaltyTier.LAPSING, LoyaltyTier.CHURNED]
        return queryset.filter(loyalty_tier__in=at_risk) if value else queryset.exclude(loyalty_tier__in=at_risk)

    def filter_marketing_consent(self, queryset, name, value):
        agreed = CustomerConsent.objects.filter(
            channel=CustomerConsent.Channel.MARKETING, granted=True
        ).values("customer_id")
        return queryset.filter(pk__in=agreed) if value else queryset.exclude(pk__in=agreed)


class ServiceVisitFilter(LightFilterCopies, BootstrapWidgets, django_filters.FilterSet):
    """The repair-order list over the user's stores; its stores and advisors are read once, as
    plain values, for the choices."""

    store = django_filters.ChoiceFilter(label=_("Store"), choices=[], field_name="store_id", widget=ManyOptionsSelect)
    advisor = django_filters.ChoiceFilter(label=_("Service advisor"), choices=[], field_name="advisor_id",
                                          widget=ManyOptionsSelect)
    repair_type = django_filters.ChoiceFilter(label=_("Repair type"), choices=RepairType.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ServiceVisit.Status.choices)
    opened = django_filters.DateFromToRangeFilter(
        label=_("Opened"), field_name="opened_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    from_appointment = django_filters.BooleanFilter(
        label=_("Came from an appointment"), widget=AnyYesNo
    )
    # The KPI pages' drill-down: the repair orders a period counts (every status but cancelled).
    counted = django_filters.BooleanFilter(
        label=_("Counted in the figures (not cancelled)"), method="filter_counted", widget=AnyYesNo
    )

    class Meta:
        model = ServiceVisit
        fields = ["store", "advisor", "repair_type", "status", "opened", "from_appointment", "counted"]

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["store"].extra["choices"] = store_choices(visible_stores(request.user))
        self.filters["advisor"].extra["choices"] = advisor_choices(request.user)

    def filter_counted(self, queryset, name, value):
        cancelled = ServiceVisit.Status.CANCELLED
        return queryset.exclude(status=cancelled) if value else queryset.filter(status=cancelled)
