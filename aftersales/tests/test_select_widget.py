"""The project's select template (templates/django/forms/widgets/select.html) writes each option
in one loop instead of including two templates per option; what it writes must be what Django's
own template writes."""
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

CHOICES = [
    ("", "---------"),
    ("bj", "北京店"),
    ("Shanghai", [("sh1", "浦东店"), ("sh2", 'Jing "an" <store>')]),
    (3, "Three"),
]


def rendered(widget, value, renderer=None):
    html = widget.render("store", value, attrs={"id": "id_store", "class": "form-select"}, renderer=renderer)
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("widget,value", [
    (forms.Select(choices=CHOICES), "sh2"),
    (forms.Select(choices=CHOICES), 3),
    (forms.Select(choices=CHOICES), None),
    (forms.SelectMultiple(choices=CHOICES), ["bj", "sh1"]),
    (forms.NullBooleanSelect(), True),
], ids=["selected in a group", "an integer value", "nothing chosen", "several chosen", "yes / no / unknown"])
def test_a_select_renders_as_djangos_own_template_renders_it(widget, value):
    assert rendered(widget, value) == rendered(widget, value, renderer=DjangoTemplates())


def test_the_projects_select_template_is_the_one_used(settings):
    from django.forms.renderers import get_default_renderer

    template = get_default_renderer().get_template("django/forms/widgets/select.html")
    assert "templates/django/forms/widgets/select.html" in str(template.origin.name)


def test_shared_choices_are_not_copied_with_the_form():
    import copy

    import django_filters

    from aftersales.choices import SharedChoices
    from aftersales.models import Store

    class StorePicker(django_filters.FilterSet):
        store = django_filters.ChoiceFilter(choices=[], field_name="id")

        class Meta:
            model = Store
            fields = ["store"]

    choices = SharedChoices((n, f"门店{n}") for n in range(3))
    picker = StorePicker({"store": "2"})
    picker.filters["store"].extra["choices"] = choices
    field = picker.form.fields["store"]
    assert copy.deepcopy(field)._choices.choices is choices
    assert list(field.choices)[1:] == [(0, "门店0"), (1, "门店1"), (2, "门店2")]
    assert picker.form.is_valid() and picker.form.cleaned_data["store"] == "2"
