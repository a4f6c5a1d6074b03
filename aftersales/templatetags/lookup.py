"""Display helpers shared by every app's templates."""
from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None: for a dict a panel hands the page (e.g. a repair order's
    appointment), which Django's template language cannot index by a variable."""
    return mapping.get(key) if mapping else None
