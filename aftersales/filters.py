import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Store


class StoreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code or name"), method="filter_text")
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Store
        fields = ["q", "is_active"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))
