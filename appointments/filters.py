import django_filters
from django.utils.translation import gettext_lazy as _

from aftersales.models import Store
from aftersales.scoping import for_user
from customers.normalize import plate_key

from .models import Appointment


class AppointmentFilter(django_filters.FilterSet):
    """The appointment list over the user's stores."""

    store = django_filters.ModelChoiceFilter(label=_("Store"), queryset=Store.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Appointment.Status.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Appointment.Source.choices)
    plate = django_filters.CharFilter(label=_("Plate"), method="filter_plate")
    day = django_filters.DateFromToRangeFilter(
        label=_("Day"), field_name="starts_at__date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Appointment
        fields = ["store", "status", "source", "plate", "day"]

    def __init__(self, data=None, *, request):
        stores = for_user(Store.objects.all(), request.user)
        super().__init__(data, queryset=for_user(Appointment.objects.all(), request.user), request=request)
        self.filters["store"].queryset = stores

    def filter_plate(self, queryset, name, value):
        key = plate_key(value)
        return queryset.filter(vehicle__plate__endswith=key[-5:]) if key else queryset
