import django_filters
from django.utils.translation import gettext_lazy as _

from aftersales.filters import LightFilterCopies
from aftersales.models import Store
from aftersales.scoping import for_user

from .kinds import KIND_CHOICES
from .models import Channel, OutboundMessage


def _stores(request):
    return for_user(Store.objects.all(), request.user) if request else Store.objects.none()


class OutboundMessageFilter(LightFilterCopies, django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=KIND_CHOICES)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OutboundMessage.Status.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    store = django_filters.ModelChoiceFilter(label=_("Store"), queryset=_stores)
    queued = django_filters.DateFromToRangeFilter(
        label=_("Queued"), field_name="created_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = OutboundMessage
        fields = ["kind", "status", "channel", "store", "queued"]
