"""The form renderer: Django's templates (TemplatesSetting, so the project's own widget templates
apply), except for the plain <input> widgets, the selects, the text areas and the date ranges,
which are written here.

A filter form of fifteen fields rendered three templates per input (the widget's, input.html,
attrs.html): about a fifth of a list page's time. Each is one line of markup, written here to the
character as Django's templates write it (aftersales/tests/test_widget_rendering.py compares the
two for every widget listed, and the selects with the project's select.html).
"""
import html

from django.forms import Select
from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

_WIDGETS = "django/forms/widgets/"
# The widget templates that are nothing but {% include "django/forms/widgets/input.html" %}.
INPUT_TEMPLATES = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in ("text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
                 "search", "tel", "color", "checkbox", "file")
)
SELECT_TEMPLATE = f"{_WIDGETS}select.html"
TEXTAREA_TEMPLATE = f"{_WIDGETS}textarea.html"
# The multi-widgets whose template only includes each part's template: a date range (django-
# filter's DateRangeWidget, "from - to") or Django's own.
FILTERS_MULTIWIDGET = "django_filters/widgets/multiwidget.html"
MULTIWIDGET = f"{_WIDGETS}multiwidget.html"


def _text(value):
    # {{ value|stringformat:'s' }}: its str(), escaped unless it was already safe.
    if type(value) is str:
        # Most values and labels: escaped as Django's escape() escapes them, without the check
        # for lazy arguments every call of it makes (a few µs, on hundreds of options a page).
        return html.escape(value)
    return conditional_escape(value if hasattr(value, "__html__") else f"{value}")


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in attrs.items() if value is not False
    )


def render_input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def render_select(widget: dict) -> str:
    """templates/django/forms/widgets/select.html: a filter form's selects (stores, departments,
    categories) are most of its options."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        parts.extend(
            f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>'
            for option in group_choices
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def render_textarea(widget: dict) -> str:
    # django/forms/widgets/textarea.html
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def render_multiwidget(template_name, widget: dict) -> str:
    parts = [render_input(part) for part in widget["subwidgets"]]
    if template_name == MULTIWIDGET:
        return "".join(parts)  # {% spaceless %}
    # Each included input leaves its template's two line ends; a dash follows the first.
    return "".join(part + ("\n\n-" if n == 0 else "\n\n") for n, part in enumerate(parts)).strip()


_INPUTS = INPUT_TEMPLATES | {f"{_WIDGETS}input.html"}


def _is_input(template_name):
    return template_name in _INPUTS


class WidgetRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if _is_input(template_name):
            return mark_safe(render_input(context["widget"]))
        if template_name == SELECT_TEMPLATE:
            return mark_safe(render_select(context["widget"]))
        if template_name == TEXTAREA_TEMPLATE:
            return mark_safe(render_textarea(context["widget"]))
        if template_name in (FILTERS_MULTIWIDGET, MULTIWIDGET) and all(
            _is_input(part["template_name"]) for part in context["widget"]["subwidgets"]
        ):
            return mark_safe(render_multiwidget(template_name, context["widget"]))
        return super().render(template_name, context, request)


class ManyOptionsSelect(Select):
    """A select of many plain options (a group's stores and departments), written in one pass
    over its choices. Django first builds a dict per option (`optgroups`, `create_option`) for
    the renderer to write: for a group supervisor's 458 options, with the writing, about an
    eighth of a complaint search's time under cProfile. The markup is `render_select`'s, to the
    character (aftersales/tests/test_widget_rendering.py); choices with groups go Django's way."""

    def render(self, name, value, attrs=None, renderer=None):
        # Through iter(): list() would first ask a model choice iterator its length, a COUNT query.
        choices = list(iter(self.choices))
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = set(self.format_value(value))
        parts = [f'<select name="{_text(name)}"{_attrs(self.build_attrs(self.attrs, attrs))}>']
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            selected = option_value in wanted
            if selected:
                wanted = ()  # one option selected, the first that matches (Django's rule for a select)
            parts.append(f'\n  <option value="{_text(option_value)}"{" selected" if selected else ""}>'
                         f'{_text(label)}</option>')
        parts.append("\n</select>")
        return mark_safe("".join(parts))
