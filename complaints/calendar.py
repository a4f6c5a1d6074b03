"""Working days by the Chinese statutory calendar, with its make-up working days (调休).

The arrangement comes from the `holidays` package (`holidays.China`: statutory holidays and
`weekend_workdays`) and is loaded into `CalendarDay` rows, which administrators may correct;
no holiday list is written in code. A year the package has no make-up days for is taken as not
published yet, and counted with plain weekends until it is.
"""
import datetime as dt

import holidays
from django.db import transaction
from django.utils import timezone

from aftersales.jobs import enqueue_on_commit

from .models import CalendarDay, CalendarYear

Source = CalendarDay.Source


def arrangement(year: int) -> tuple[dict[dt.date, str], list[dt.date]] | None:
    """The package's (rest days on weekdays, worked weekend days) of `year`, or None when it
    has no published arrangement for that year."""
    china = holidays.China(years=year)
    worked = sorted(day for day in china.weekend_workdays if day.year == year)
    if not worked:
        return None
    rest = {day: name for day, name in china.items() if day.year == year and day.weekday() < 5}
    return rest, worked


@transaction.atomic
def load_year(year: int) -> CalendarYear:
    """Load `year`'s arrangement; days an administrator corrected are kept. Idempotent."""
    found = arrangement(year)
    record, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"published": found is not None, "loaded_at": timezone.now()}
    )
    if found is None:
        return record
    rest, worked = found
    year_days = CalendarDay.objects.filter(day__year=year)
    before = set(year_days.values_list("day", "is_working_day"))
    corrected = set(year_days.filter(source=Source.ADMIN).values_list("day", flat=True))
    year_days.filter(source=Source.PUBLISHED).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=day, is_working_day=False, name=name, source=Source.PUBLISHED)
         for day, name in rest.items() if day not in corrected]
        + [CalendarDay(day=day, is_working_day=True, name="调休上班", source=Source.PUBLISHED)
           for day in worked if day not in corrected]
    )
    changed = before ^ set(year_days.values_list("day", "is_working_day"))
    if changed:
        calendar_changed(min(day for day, _working in changed))
    return record


def calendar_changed(since: dt.date):
    """Deadlines counted over the changed days move, once this transaction commits."""
    from .tasks import recompute_deadlines

    enqueue_on_commit(recompute_deadlines, since.isoformat())


class WorkingCalendar:
    """Working-day arithmetic over a span of years, with the exceptions read in one query."""

    def __init__(self, first: dt.date, last: dt.date):
        self.exceptions = dict(
            CalendarDay.objects.filter(day__range=(first, last)).values_list("day", "is_working_day")
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (counting starts the day after)."""
        while count > 0:
            day += dt.timedelta(days=1)
            count -= self.is_working_day(day)
        return day


def calendar_around(day: dt.date, *, days_ahead=60) -> WorkingCalendar:
    return WorkingCalendar(day - dt.timedelta(days=7), day + dt.timedelta(days=days_ahead))


def unpublished_years(today: dt.date) -> list[int]:
    """Years that deadlines may reach (this one, and the next from December on) without a
    published arrangement: those are counted with plain weekends."""
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    published = set(CalendarYear.objects.filter(year__in=years, published=True).values_list("year", flat=True))
    return [year for year in years if year not in published]
