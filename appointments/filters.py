from django import forms
import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.filters import BootstrapWidgets, LightFilterCopies, store_choices
from aftersales.scoping import for_user, visible_stores
from aftersales.widget_rendering import ManyOptionsSelect
from customers.normalize import plate_key

from .models import Appointment


class AppointmentFilter(LightFilterCopies, BootstrapWidgets, django_filters.FilterSet):
    """The appointment list over the user's stores (their ids and names read once, as plain
    values, for the store filter's choices)."""

    store = django_filters.ChoiceFilter(label=_("Store"), choices=[], field_name="store_id", widget=ManyOptionsSelect)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Appointment.Status.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Appointment.Source.choices)
    plate = django_filters.CharFilter(label=_("Plate"), method="filter_plate")
    # On the time itself (the dates become the current time zone's midnights), so the (store,
    # time) index serves a period; a date cast of every row read a store's whole history.
    day = django_filters.DateFromToRangeFilter(
        label=_("Day"), field_name="starts_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    # The KPI drill-down: exactly the appointments a figure counts (appointments.selectors.DUE_FILTERS).
    kpi = django_filters.ChoiceFilter(label=_("Counted as"), method="filter_kpi", choices=[
        ("due", pgettext_lazy("appointments counted", "Due")), ("shown", _("Arrived")),
        ("no_shows", _("No-show")), ("online", _("Online self-booking")),
        ("confirmed", pgettext_lazy("appointments counted", "Confirmed")),
        ("from_reminder", _("Maintenance reminder")),
    ])
    advisor = django_filters.NumberFilter(field_name="advisor_id", widget=forms.HiddenInput)

    class Meta:
        model = Appointment
        fields = ["store", "status", "source", "plate", "day", "kpi", "advisor"]

    def __init__(self, data=None, *, request):
        super().__init__(data, queryset=for_user(Appointment.objects.all(), request.user), request=request)
        self.filters["store"].extra["choices"] = store_choices(visible_stores(request.user))

    def filter_kpi(self, queryset, name, value):
        from .selectors import DUE_FILTERS

        return queryset.filter(DUE_FILTERS[value]) if value in DUE_FILTERS else queryset

    def filter_plate(self, queryset, name, value):
        key = plate_key(value)
        return queryset.filter(vehicle__plate__endswith=key[-5:]) if key else queryset
