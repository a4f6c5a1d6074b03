"""The plain <input> widgets and the selects are written in Python (aftersales/widget_rendering.py);
what they write must be what the templates write (Django's own, the project's select.html), to
the character."""
import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from django_filters.widgets import DateRangeWidget, RangeWidget

from aftersales.widget_rendering import INPUT_TEMPLATES, ManyOptionsSelect, WidgetRenderer

CASES = [
    (forms.TextInput(attrs={"class": "form-control", "placeholder": 'Plate, "number" & <name>'}), "京A·12345"),
    (forms.TextInput(attrs={"placeholder": gettext_lazy("Number")}), None),
    (forms.TextInput(attrs={"data-x": mark_safe("<b>safe</b>")}), mark_safe("a &amp; b")),
    (forms.TextInput(attrs={"required": True, "disabled": False, "maxlength": 20}), ""),
    (forms.NumberInput(attrs={"min": 0, "step": "0.5"}), 12.5),
    (forms.NumberInput(), 0),
    (forms.EmailInput(), "a@b.cn"),
    (forms.PasswordInput(render_value=True), "s3cret<"),
    (forms.HiddenInput(), 42),
    (forms.DateInput(attrs={"type": "date"}), dt.date(2026, 12, 6)),
    (forms.DateTimeInput(), dt.datetime(2026, 12, 6, 9, 30)),
    (forms.TimeInput(), dt.time(9, 30)),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(attrs={"class": "form-check-input"}), False),
    (forms.URLInput(), "https://example.cn/?a=1&b=2"),
    (forms.FileInput(), None),
]


@pytest.mark.parametrize("widget,value", CASES, ids=[f"{type(w).__name__}-{n}" for n, (w, _v) in enumerate(CASES)])
def test_an_input_renders_as_djangos_own_templates_render_it(widget, value):
    attrs = {"id": "id_field"}
    ours = widget.render("field", value, attrs=attrs, renderer=WidgetRenderer())
    django = widget.render("field", value, attrs=attrs, renderer=DjangoTemplates())
    assert ours == django


def _range(widget):
    widget.widgets[0].attrs["class"] = "form-control"
    return widget


def _three_parts():
    widget = RangeWidget()
    widget.widgets = (*widget.widgets, forms.TextInput())
    return widget


OTHER_CASES = [
    (forms.Textarea(attrs={"rows": 3, "class": "form-control"}), "客户说：<刹车> & 异响"),
    (forms.Textarea(), ""),
    (forms.Textarea(attrs={"placeholder": gettext_lazy("Number")}), None),
    (DateRangeWidget(attrs={"type": "date", "class": "form-control form-control-sm"}),
     slice(dt.date(2026, 12, 1), dt.date(2026, 12, 31))),
    (DateRangeWidget(attrs={"type": "date"}), None),
    (_range(RangeWidget()), slice(1, None)),
    (forms.MultiWidget([forms.TextInput(), forms.NumberInput()]), ["京A", 3]),
    (_three_parts(), ["a", "b", "c"]),
    (forms.SplitDateTimeWidget(), dt.datetime(2026, 12, 6, 9, 30)),
]


def test_a_multiwidget_with_a_part_other_than_an_input_goes_through_its_templates():
    widget = forms.MultiWidget([forms.TextInput(), forms.Select(choices=[("a", "甲")])])
    ours = widget.render("field", ["x", "a"], attrs={"id": "id_field"}, renderer=WidgetRenderer())
    assert ours == widget.render("field", ["x", "a"], attrs={"id": "id_field"}, renderer=TemplatesSetting())
    assert "<select" in ours


CHOICES = [("", "---------"), ("bj", "北京店 & <总店>"), ("sh", gettext_lazy("Number")), (3, "三")]
SELECT_CASES = [
    (forms.Select(choices=CHOICES, attrs={"class": "form-select form-select-sm"}), "bj"),
    (forms.Select(choices=CHOICES), None),
    (forms.Select(choices=CHOICES, attrs={"required": True, "disabled": False}), 3),
    (forms.Select(choices=[("甲店", [("1", "售后部"), ("2", "钣喷部")]), ("乙店", [("3", "售后部")]), ("", "—")]), "2"),
    (forms.SelectMultiple(choices=CHOICES, attrs={"size": 4}), ["bj", "sh"]),
    (forms.NullBooleanSelect(), True),
]


@pytest.mark.parametrize("widget,value", SELECT_CASES + OTHER_CASES,
                         ids=[f"{type(w).__name__}-{n}" for n, (w, _v) in enumerate(SELECT_CASES + OTHER_CASES)])
def test_a_select_textarea_or_range_renders_as_the_project_s_templates_render_it(widget, value):
    attrs = {"id": "id_field"}
    ours = widget.render("field", value, attrs=attrs, renderer=WidgetRenderer())
    template = widget.render("field", value, attrs=attrs, renderer=TemplatesSetting())
    assert ours == template


def test_every_input_template_written_in_python_is_only_an_include_of_input_html():
    renderer = DjangoTemplates()
    for name in INPUT_TEMPLATES:
        source = renderer.get_template(name).template.source
        assert source.strip() == '{% include "django/forms/widgets/input.html" %}', name


def test_a_form_field_renders_through_the_project_renderer():
    class Search(forms.Form):
        words = forms.CharField(widget=forms.TextInput(attrs={"class": "form-control"}))

    assert isinstance(get_default_renderer(), WidgetRenderer)
    html = str(Search(data={"words": "异响 <刹车>"})["words"])
    assert 'value="异响 &lt;刹车&gt;"' in html and 'class="form-control"' in html


MANY_OPTIONS_CASES = [
    ({"choices": CHOICES, "attrs": {"class": "form-select form-select-sm"}}, "bj"),
    ({"choices": CHOICES}, None),
    ({"choices": CHOICES, "attrs": {"required": True, "disabled": False}}, 3),
    ({"choices": [(None, "—"), (1, "一"), ("", "空")]}, ""),
    ({"choices": [(1, "一"), (1, "一 again"), (2, mark_safe("<b>二</b>"))]}, 1),
    ({"choices": [("甲店", [("1", "售后部"), ("2", "钣喷部")]), ("", "—")]}, "2"),
]


@pytest.mark.parametrize("options,value", MANY_OPTIONS_CASES, ids=[str(n) for n in range(len(MANY_OPTIONS_CASES))])
def test_a_select_of_many_options_renders_as_django_s_select_with_the_project_s_template(options, value):
    attrs = {"id": "id_field"}
    ours = ManyOptionsSelect(**options).render("field", value, attrs=attrs)
    template = forms.Select(**options).render("field", value, attrs=attrs, renderer=TemplatesSetting())
    assert ours == template


def test_a_form_s_error_list_still_renders_through_its_template():
    class Note(forms.Form):
        text = forms.CharField(widget=forms.Textarea)

    form = Note(data={})
    assert not form.is_valid()
    html = str(form)
    assert 'class="errorlist"' in html and "<textarea" in html
