"""`LightFilterCopies`: a FilterSet's instances copy its declared filters one by one instead of
deep-copying them; each instance must still have filters of its own."""
import django_filters
import pytest
from django import forms

from aftersales.filters import LightFilterCopies
from aftersales.models import Store

pytestmark = pytest.mark.django_db


class StorePicker(LightFilterCopies, django_filters.FilterSet):
    code = django_filters.ChoiceFilter(choices=[], field_name="code")
    named = django_filters.CharFilter(method="filter_named", widget=forms.TextInput(attrs={"size": "8"}))

    class Meta:
        model = Store
        fields = ["code", "named"]

    def filter_named(self, queryset, name, value):
        self.called_with = value
        return queryset.filter(name__contains=value)


def test_choices_set_for_one_request_stay_out_of_the_next():
    first = StorePicker({"code": "BJ"})
    first.filters["code"].extra["choices"] = [("BJ", "北京店")]
    second = StorePicker({"code": "BJ"})
    assert first.form.is_valid()
    assert not second.form.is_valid()
    assert StorePicker.base_filters["code"].extra["choices"] == []


def test_a_method_filter_calls_its_own_filter_sets_method(store_a):
    picker = StorePicker({"named": store_a.name[:2]})
    assert list(picker.qs) == [store_a]
    assert picker.called_with == store_a.name[:2]
    assert not hasattr(StorePicker.base_filters["named"], "parent") or StorePicker.base_filters["named"].parent is None


def test_each_instance_builds_its_own_form_field_and_widget():
    first, second = StorePicker({}), StorePicker({})
    first.form.fields["named"].widget.attrs["class"] = "form-control"
    assert first.filters["named"] is not second.filters["named"]
    assert "class" not in second.form.fields["named"].widget.attrs
    assert "class" not in StorePicker.base_filters["named"].extra["widget"].attrs


def test_the_copies_filter_as_deep_copies_do(store_a, store_b):
    class DeepCopied(django_filters.FilterSet):
        named = django_filters.CharFilter(field_name="name", lookup_expr="contains")

        class Meta:
            model = Store
            fields = ["named"]

    class Copied(LightFilterCopies, DeepCopied):
        pass

    data = {"named": store_b.name[-2:]}
    assert list(Copied(data).qs) == list(DeepCopied(data).qs) == [store_b]
