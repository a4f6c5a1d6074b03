"""The form renderer: Django's templates (TemplatesSetting, so the project's own widget templates
apply), except for the plain <input> widgets, which are written here.

A filter form of fifteen fields rendered three templates per input (the widget's, input.html,
attrs.html): about a fifth of a list page's time. Each is one line of markup, written here to the
character as Django's templates write it (aftersales/tests/test_widget_rendering.py compares the
two for every widget listed).
"""
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


def _text(value):
    # {{ value|stringformat:'s' }}: its str(), escaped unless it was already safe.
    return conditional_escape(value if hasattr(value, "__html__") else f"{value}")


def render_input(widget: dict) -> str:
    parts = [f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"']
    if widget["value"] is not None:
        parts.append(f' value="{_text(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"')
    parts.append(">")
    return "".join(parts)


class WidgetRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES or template_name == f"{_WIDGETS}input.html":
            return mark_safe(render_input(context["widget"]))
        return super().render(template_name, context, request)
