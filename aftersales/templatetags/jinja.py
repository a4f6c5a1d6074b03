"""`{% jinja "complaints/list_rows.html" %}`: a Jinja2 template (under `jinja2/`) rendered in
place with the Django template's context. For the rows of long tables, where Django's engine
costs more than the page's queries (see the Jinja2 engine in settings)."""
from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context, name, **values):
    """`values` are added to the context (`{% jinja "partials/filter_fields.html" show_store=several_stores %}`)."""
    return _render(name, {**context.flatten(), **values})


@register.simple_tag(takes_context=True)
def navbar(context):
    """The staff pages' top bar (jinja2/navbar.html) from `aftersales.navigation.navbar`."""
    from aftersales.navigation import navbar as navbar_context

    return _render("navbar.html", navbar_context(context))


@register.simple_tag(takes_context=True)
def language_switch(context):
    """The language switch alone (jinja2/language_switch.html), for the login and public pages."""
    from aftersales.navigation import language_switch as switch_context

    return _render("language_switch.html", switch_context(context))


def _render(name, context):
    return mark_safe(engines["jinja2"].get_template(name).template.render(context))
