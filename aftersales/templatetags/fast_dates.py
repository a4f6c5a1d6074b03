"""Django's `date` filter, with the numeric formats the pages use written by strftime.

Django's filter looks up the format, splits it and calls a method per letter: about 100 µs a
date on a slow machine, and the customer page shows forty. For the formats below (digits only,
the same in every language) the result is the same string, written in a few microseconds; any
other format, value or year goes to Django's filter. Added to the template builtins in
settings, after Django's own, so `{{ when|date:"Y-m-d" }}` takes this filter everywhere.
"""
import datetime as dt

from django import template
from django.template.defaultfilters import date as django_date

register = template.Library()

# Django's format letters → strftime's, for formats with no names of days or months in them.
STRFTIME = {
    "Y-m-d": "%Y-%m-%d",
    "Y-m-d H:i": "%Y-%m-%d %H:%M",
    "Y-m-d H:i:s": "%Y-%m-%d %H:%M:%S",
    "m-d H:i": "%m-%d %H:%M",
    "m-d": "%m-%d",
    "Y-m": "%Y-%m",
    "H:i": "%H:%M",
}
_TIME_FREE = {"Y-m-d", "m-d", "Y-m"}


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    pattern = STRFTIME.get(arg)
    kind = type(value)
    # strftime pads a year below 1000 differently, and Django refuses a time format for a date:
    # those stay with Django.
    if pattern is not None and (kind is dt.datetime or (kind is dt.date and arg in _TIME_FREE)) \
            and value.year >= 1000:
        return value.strftime(pattern)
    return django_date(value, arg)
