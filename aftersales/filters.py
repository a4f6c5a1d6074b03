import django_filters
from django import forms
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


class BootstrapWidgets:
    """A FilterSet mixin: its form's widgets carry Bootstrap's small classes, for lists that write
    their filter fields with `templates/partials/filter_fields.html` instead of crispy (whose
    per-field templates cost a repair-order list 7 ms a request, more than its queries)."""

    @property
    def form(self):
        if hasattr(self, "_form"):
            return self._form
        form = super().form
        for field in form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs["class"] = "form-control form-control-sm"
        return form
