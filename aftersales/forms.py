"""Form parts every app uses."""
from django import forms
from django.forms.models import ModelChoiceIterator


class _OfferedChoiceIterator(ModelChoiceIterator):
    def __init__(self, field):
        super().__init__(field)
        if field.offered is not None:
            self.queryset = field.offered


class BoundedModelChoiceField(forms.ModelChoiceField):
    """A choice validated against `queryset` (everything the user may choose, e.g. all of a
    customer's repair orders) while the select offers only `offered` (a bounded list, e.g. the
    latest 50). A sliced queryset cannot do both: Django validates against the queryset, so
    a slice refuses every record beyond it with "Select a valid choice"."""

    iterator = _OfferedChoiceIterator

    def __init__(self, *args, offered=None, **kwargs):
        self.offered = offered
        super().__init__(*args, **kwargs)

    def offer(self, queryset, offered):
        """Validate against `queryset`, show `offered`."""
        self.offered = offered
        self.queryset = queryset

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.offered = self.offered
        return result
