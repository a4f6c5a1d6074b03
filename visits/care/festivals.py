"""The festivals greeted (seed 001 §10–11): the statutory ones from the `holidays` package's
China calendar, the lunar ones it does not list (Lantern, Qixi) from `lunardate`. No
hand-written table of dates."""
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.utils.translation import gettext_lazy as _
from lunardate import LunarDate


@dataclass(frozen=True)
class Festival:
    code: str
    label: str
    # The name of its first day in holidays.China(language="en_US"), or a lunar (month, day).
    holiday_name: str = ""
    lunar: tuple | None = None


FESTIVALS = [
    Festival("new_year", _("New Year's Day"), holiday_name="New Year's Day"),
    Festival("spring_festival", _("Spring Festival"), holiday_name="Chinese New Year (Spring Festival)"),
    Festival("lantern", _("Lantern Festival"), lunar=(1, 15)),
    Festival("dragon_boat", _("Dragon Boat Festival"), holiday_name="Dragon Boat Festival"),
    Festival("qixi", _("Qixi Festival"), lunar=(7, 7)),
    Festival("mid_autumn", _("Mid-Autumn Festival"), holiday_name="Mid-Autumn Festival"),
    Festival("national_day", _("National Day"), holiday_name="National Day"),
]
BY_CODE = {f.code: f for f in FESTIVALS}


@lru_cache(maxsize=16)
def festival_dates(year) -> dict:
    """{festival code: its date in `year`}."""
    calendar = holidays.China(years=year, language="en_US")
    dates = {}
    for festival in FESTIVALS:
        if festival.lunar:
            dates[festival.code] = LunarDate(year, *festival.lunar).to_solar_date()
        else:
            days = sorted(day for day, name in calendar.items() if name == festival.holiday_name)
            if days:
                dates[festival.code] = days[0]
    return dates


def greeting_day(festival_day: dt.date) -> dt.date:
    """Greetings go the day before (the wording says the festival is coming)."""
    return festival_day - dt.timedelta(days=1)


def festivals_greeted_on(day: dt.date) -> list[tuple[Festival, dt.date]]:
    """The festivals whose greeting goes out on `day` (the day before each)."""
    found = []
    for year in (day.year, day.year + 1):
        for code, date in festival_dates(year).items():
            if greeting_day(date) == day:
                found.append((BY_CODE[code], date))
    return found
