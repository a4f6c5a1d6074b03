"""`{{ value|date:"Y-m-d" }}` and the other numeric formats are written by strftime
(aftersales/templatetags/fast_dates.py): to the character what Django's own filter writes."""
import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Engine, engines
from django.utils import timezone

from aftersales.templatetags.fast_dates import STRFTIME

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VALUES = [
    dt.datetime(2026, 12, 6, 23, 30, 5, tzinfo=dt.timezone.utc),  # the next day in Shanghai
    dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=SHANGHAI),
    dt.datetime(2026, 7, 1, 9, 0),  # naive
    dt.date(2026, 2, 28),
    dt.date(999, 1, 1),
    dt.datetime(999, 1, 1, 1, 1, tzinfo=dt.timezone.utc),
    None,
    "",
    "2026-12-06",
]
FORMATS = [*STRFTIME, "Y-m-d l", "DATE_FORMAT"]


def _render(engine, value, format_):
    template = engine.from_string('{{ value|date:"%s" }}' % format_)
    try:
        return template.render(Context({"value": value}) if isinstance(engine, Engine) else {"value": value})
    except TypeError as error:  # Django's, for a time format given a date: the same either way
        return str(error)


@pytest.mark.parametrize("format_", FORMATS)
@pytest.mark.parametrize("value", VALUES, ids=[repr(v) for v in VALUES])
def test_the_project_date_filter_writes_what_djangos_writes(value, format_):
    ours = engines["django"]
    django = Engine(libraries={})  # Django's builtins only
    with timezone.override(SHANGHAI):
        assert _render(ours, value, format_) == _render(django, value, format_)


def test_pages_use_the_project_date_filter():
    template = engines["django"].from_string('{{ value|date:"Y-m-d" }}')
    assert template.template.engine.template_builtins[-1].filters["date"].__module__ == (
        "aftersales.templatetags.fast_dates"
    )
