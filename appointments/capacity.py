"""The capacity rule, in one place: what a store can take at a slot and on a day, whether a
time may be booked, and claiming and freeing capacity through the counter rows
(models.load). Reads go through `CapacityPlan`, which loads a span of days in a few queries."""
import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.together import json_set, read_sets

from .models import (
    SLOT_MINUTES, AdvisorAbsence, AdvisorCapacity, AdvisorSlotLoad, CapacitySettings, DayLoad, OpeningHours,
    PeakWindow, SlotLoad, SpecialDay, WorkshopAbsence,
)

SLOT = dt.timedelta(minutes=SLOT_MINUTES)
AVAILABILITY_DAYS = 14

# What can be short at a slot, in the order a booking claims it.
RECEPTION, ONLINE, WORKSHOP, ADVISOR = "reception", "online", "workshop", "advisor"


def short_label(short):
    return {
        RECEPTION: _("reception full"), ONLINE: _("online share used up"),
        WORKSHOP: _("workshop hours used up"), ADVISOR: _("advisor not free"),
    }[short]


class BookingRefused(ValidationError):
    """The time cannot be booked at all (past, closed, outside the hours or the horizon)."""


class CapacityShort(Exception):
    """Raised inside the booking's transaction: a counter had no room (which one in `short`)."""

    def __init__(self, short):
        super().__init__(short)
        self.short = short


class SlotTaken(ValidationError):
    """The time has just been taken; `alternatives` are the nearest free times."""

    def __init__(self, short, alternatives):
        self.short, self.alternatives = short, alternatives
        times = "、".join(f"{timezone.localtime(t):%m-%d %H:%M}" for t in alternatives)
        message = _("This time was just taken (%(what)s).") % {"what": short_label(short)}
        if times:
            message += " " + _("The nearest free times: %(times)s.") % {"times": times}
        else:
            message += " " + _("No free time in the next two weeks.")
        super().__init__(message, code="slot_taken")


def store_zone(store):
    return ZoneInfo(store.time_zone)


def day_bounds(store, day):
    zone = store_zone(store)
    first = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    return first, first + dt.timedelta(days=1)


def local(store, moment):
    return moment.astimezone(store_zone(store))


def rest_days(first, last):
    """Statutory holidays on the working-day calendar (the shared calendar of complaints)."""
    from complaints.calendar import WorkingCalendar

    return {day for day, working in WorkingCalendar(first, last).exceptions.items() if not working}


def _as_time(value):
    # A Store made in this process and not read back holds the field's default as text.
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class Slot:
    starts_at: dt.datetime
    capacity: int
    used: int = 0
    online_capacity: int = 0
    online_used: int = 0
    advisor_left: dict = field(default_factory=dict)

    @property
    def left(self):
        return max(self.capacity - self.used, 0)

    @property
    def online_left(self):
        return max(min(self.online_capacity - self.online_used, self.left), 0)


@dataclass
class Day:
    day: dt.date
    opens: dt.time | None
    closes: dt.time | None
    hours_capacity: Decimal = Decimal(0)
    hours_used: Decimal = Decimal(0)
    online_capacity: int = 0
    online_used: int = 0
    slots: list = field(default_factory=list)

    @property
    def is_open(self):
        return self.opens is not None

    @property
    def hours_left(self):
        return max(self.hours_capacity - self.hours_used, Decimal(0))

    @property
    def online_left(self):
        return max(self.online_capacity - self.online_used, 0)


# The plan's rule sets (model, rows of the store and days), then its load: one statement.
_RULE_SETS = (
    (OpeningHours, "t.store_id = %(store)s"),
    (PeakWindow, "t.store_id = %(store)s"),
    (SpecialDay, "t.store_id = %(store)s AND t.day BETWEEN %(first)s AND %(last)s"),
    (WorkshopAbsence, "t.store_id = %(store)s AND t.day BETWEEN %(first)s AND %(last)s"),
    (AdvisorCapacity, "t.store_id = %(store)s AND t.is_bookable"),
    (AdvisorAbsence, "t.store_id = %(store)s AND t.day BETWEEN %(first)s AND %(last)s"),
)
_SETTINGS_SET = (CapacitySettings, "t.store_id = %(store)s")
_LOAD_SETS = (
    (SlotLoad, "t.store_id = %(store)s AND t.starts_at >= %(start)s AND t.starts_at < %(end)s"),
    (DayLoad, "t.store_id = %(store)s AND t.day BETWEEN %(first)s AND %(last)s"),
    (AdvisorSlotLoad, "t.store_id = %(store)s AND t.starts_at >= %(start)s AND t.starts_at < %(end)s"),
)


@functools.cache
def _plan_statement(sets):
    return "SELECT " + ", ".join(json_set(model, where) for model, where in sets)


class CapacityPlan:
    """A store's capacity over the days `first`..`last`, with what is used, in a fixed number
    of queries whatever the span: the holiday calendar, then the rules and the load in one
    statement (eleven queries built by the ORM were a quarter of the day book's time)."""

    def __init__(self, store, first, last, *, with_load=True, settings=None):
        self.store, self.first, self.last = store, first, last
        self._by_time = {}
        self.holidays = rest_days(first, last)
        sets = _RULE_SETS + ((_SETTINGS_SET,) if settings is None else ()) + (_LOAD_SETS if with_load else ())
        read = self._read(sets)
        weekly, self.peaks, special, workshop, advisors, self.advisor_absences = read[:6]
        if settings is None:
            settings = next(iter(read[6]), None) or CapacitySettings(store=store)
        self.settings = settings
        self.weekly = {row.weekday: row for row in weekly}
        self.special = {row.day: row.is_open for row in special}
        self.workshop_lost = {}
        for absence in workshop:
            self.workshop_lost[absence.day] = self.workshop_lost.get(absence.day, Decimal(0)) + absence.technician_hours
        self.advisor_per_slot = {row.advisor_id: row.per_slot for row in advisors}
        self.slot_load, self.day_load, self.advisor_load = {}, {}, {}
        if with_load:
            self._keep_load(*read[-len(_LOAD_SETS):])

    def _read(self, sets):
        start, _end = day_bounds(self.store, self.first)
        _start, end = day_bounds(self.store, self.last)
        params = {"store": self.store.pk, "first": self.first, "last": self.last, "start": start, "end": end}
        return read_sets(_plan_statement(sets), params, [model for model, _where in sets])

    def _keep_load(self, slots, days, advisors):
        self.slot_load = {row.starts_at: row for row in slots}
        self.day_load = {row.day: row for row in days}
        self.advisor_load = {(row.advisor_id, row.starts_at): row.used for row in advisors}

    def read_load(self):
        """Read (again) what is used of the plan's days, keeping its rules: the day book after a
        booking shows the day the booking was checked against without reading its rules twice."""
        self._keep_load(*self._read(_LOAD_SETS))
        return self

    # --- The rule ------------------------------------------------------------------------------
    def hours(self, day):
        """(opens, closes) of `day`, or (None, None) when the store is closed."""
        weekly = self.weekly.get(day.weekday())
        opened = self.special.get(day)
        if opened is False or (opened is None and (day in self.holidays or (weekly and weekly.is_closed))):
            return None, None
        if weekly and not weekly.is_closed:
            return weekly.opens_at, weekly.closes_at
        return _as_time(self.store.opens_at), _as_time(self.store.closes_at)

    def slot_times(self, day):
        opens, closes = self.hours(day)
        if opens is None:
            return []
        zone = store_zone(self.store)
        moment = dt.datetime.combine(day, opens, tzinfo=zone)
        end = dt.datetime.combine(day, closes, tzinfo=zone)
        times = []
        while moment + SLOT <= end:
            times.append(moment)
            moment += SLOT
        return times

    def slot_capacity(self, starts_at):
        # By the time of day alone (the peaks): a fortnight's availability asks for the same
        # few dozen times some 1,500 times.
        at = local(self.store, starts_at).time()
        found = self._by_time.get(at)
        if found is None:
            percent = min((peak.percent for peak in self.peaks if peak.starts_at <= at < peak.ends_at), default=100)
            found = self._by_time[at] = self.settings.reception_per_slot * percent // 100
        return found

    def slot_online_capacity(self, starts_at):
        return self.slot_capacity(starts_at) * self.settings.online_slot_percent // 100

    def day_hours_capacity(self, day):
        lost = self.workshop_lost.get(day) or Decimal(0)
        return max(self.settings.workshop_hours - lost, Decimal(0))

    def day_online_capacity(self, day):
        total = sum(self.slot_capacity(t) for t in self.slot_times(day))
        return total * self.settings.online_day_percent // 100

    def advisor_capacity(self, advisor_id, starts_at):
        moment = local(self.store, starts_at)
        for absence in self.advisor_absences:
            if absence.advisor_id == advisor_id and absence.day == moment.date() and absence.covers(moment.time()):
                return 0
        return self.advisor_per_slot.get(advisor_id, 1)

    # --- What is left --------------------------------------------------------------------------
    def days(self, advisor_ids=()):
        result = []
        day = self.first
        while day <= self.last:
            opens, closes = self.hours(day)
            load = self.day_load.get(day)
            entry = Day(day, opens, closes, hours_capacity=self.day_hours_capacity(day),
                        hours_used=load.hours_used if load else Decimal(0),
                        online_capacity=self.day_online_capacity(day) if opens else 0,
                        online_used=load.online_used if load else 0)
            for starts_at in self.slot_times(day):
                row = self.slot_load.get(starts_at)
                slot = Slot(starts_at, self.slot_capacity(starts_at), row.used if row else 0,
                            self.slot_online_capacity(starts_at), row.online_used if row else 0)
                for advisor_id in advisor_ids:
                    slot.advisor_left[advisor_id] = max(
                        self.advisor_capacity(advisor_id, starts_at) - self.advisor_load.get((advisor_id, starts_at), 0), 0
                    )
                entry.slots.append(slot)
            result.append(entry)
            day += dt.timedelta(days=1)
        return result


def short_at(day, slot, *, hours, online=False, advisor_id=None):
    """What is short for booking `hours` at `slot` of `day` (an empty list: it is free)."""
    short = []
    if slot.left < 1:
        short.append(RECEPTION)
    elif online and (slot.online_left < 1 or day.online_left < 1):
        short.append(ONLINE)
    if day.hours_left < hours:
        short.append(WORKSHOP)
    if advisor_id is not None and slot.advisor_left.get(advisor_id, 0) < 1:
        short.append(ADVISOR)
    return short


def availability(store, first=None, *, days=AVAILABILITY_DAYS, hours=Decimal("1"), online=False, advisor_id=None,
                 now=None):
    """The store's slots from `first` for `days` days, each with what is short for booking
    `hours` (reception, online share, workshop hours, the advisor). Past slots are left out."""
    now = now or timezone.now()
    first = first or local(store, now).date()
    plan = CapacityPlan(store, first, first + dt.timedelta(days=days - 1))
    earliest = now + dt.timedelta(minutes=plan.settings.cutoff_minutes if online else 0)
    result = []
    for day in plan.days([advisor_id] if advisor_id else ()):
        day.slots = [slot for slot in day.slots if slot.starts_at >= earliest]
        for slot in day.slots:
            slot.short = short_at(day, slot, hours=hours, online=online, advisor_id=advisor_id)
        result.append(day)
    return result


def nearest_free(store, starts_at, *, hours, online=False, advisor_id=None, count=3, now=None):
    """The free times closest to `starts_at` over the next two weeks from its day."""
    now = now or timezone.now()
    first = max(local(store, starts_at).date() - dt.timedelta(days=3), local(store, now).date())
    free = [slot.starts_at for day in availability(store, first, hours=hours, online=online,
                                                   advisor_id=advisor_id, now=now)
            for slot in day.slots if not slot.short]
    return sorted(free, key=lambda t: (abs((t - starts_at).total_seconds()), t))[:count]


def check_bookable(store, starts_at, *, now=None, online=False, rules=None):
    """Raise BookingRefused unless `starts_at` is a slot the store takes bookings for; returns
    the day's plan (without the load), which `claim` can take. `rules`: that day's plan when the
    caller has read it already."""
    now = now or timezone.now()
    moment = local(store, starts_at)
    if rules is not None and not (rules.store.pk == store.pk and rules.first <= moment.date() <= rules.last):
        rules = None
    settings = rules.settings if rules is not None else CapacitySettings.for_store(store)
    if starts_at <= now:
        raise BookingRefused(_("That time has passed; choose a later one."))
    if online and starts_at < now + dt.timedelta(minutes=settings.cutoff_minutes):
        raise BookingRefused(_("Online bookings close %(minutes)s minutes before the time.")
                             % {"minutes": settings.cutoff_minutes})
    if moment.date() > local(store, now).date() + dt.timedelta(days=settings.horizon_days):
        raise BookingRefused(_("Bookings are taken up to %(days)s days ahead.") % {"days": settings.horizon_days})
    if moment.minute % SLOT_MINUTES or moment.second or moment.microsecond:
        raise BookingRefused(_("Appointments start at a quarter hour."))
    plan = rules or CapacityPlan(store, moment.date(), moment.date(), with_load=False, settings=settings)
    if plan.hours(moment.date())[0] is None:
        raise BookingRefused(_("The store is closed that day."))
    if starts_at not in plan.slot_times(moment.date()):
        raise BookingRefused(_("That time is outside the opening hours."))
    return plan


def _ensure_rows(plan, starts_at, advisor_id):
    store, day = plan.store, local(plan.store, starts_at).date()
    SlotLoad.objects.bulk_create([SlotLoad(store=store, starts_at=starts_at, capacity=plan.slot_capacity(starts_at),
                                           online_capacity=plan.slot_online_capacity(starts_at))],
                                 ignore_conflicts=True)
    DayLoad.objects.bulk_create([DayLoad(store=store, day=day, hours_capacity=plan.day_hours_capacity(day),
                                         online_capacity=plan.day_online_capacity(day))], ignore_conflicts=True)
    if advisor_id:
        AdvisorSlotLoad.objects.bulk_create(
            [AdvisorSlotLoad(store=store, advisor_id=advisor_id, starts_at=starts_at,
                             capacity=plan.advisor_capacity(advisor_id, starts_at))], ignore_conflicts=True)


def claim(appointment, *, online=False, plan=None):
    """Take the appointment's place: each counter taken by one statement that must return its
    row, else CapacityShort (the caller's transaction then rolls back the counters already
    taken). Call inside a transaction. `plan`: the day's plan `check_bookable` answered with, so
    the store's rules are not read twice in one booking.

    A counter row is made by the first booking of its slot or day: an INSERT of the row with
    this booking counted, which on the row already being there is the conditional UPDATE
    (`used = used + 1 WHERE used < capacity`); concurrent bookings of the last place queue on the
    row's lock and all but one find the condition false. Where the plan leaves a new row no room
    for this booking, the row is made empty and the UPDATE alone decides."""
    store, starts_at, hours = appointment.store, appointment.starts_at, appointment.labour_hours
    day = local(store, starts_at).date()
    if plan is None or not plan.first <= day <= plan.last:
        plan = CapacityPlan(store, day, day, with_load=False)
    advisor_id = appointment.advisor_id
    slot_capacity, slot_online = plan.slot_capacity(starts_at), plan.slot_online_capacity(starts_at)
    day_capacity, day_online = plan.day_hours_capacity(day), plan.day_online_capacity(day)
    advisor_capacity = plan.advisor_capacity(advisor_id, starts_at) if advisor_id else 0
    if (slot_capacity < 1 or hours > day_capacity or (online and (slot_online < 1 or day_online < 1))
            or (advisor_id and advisor_capacity < 1)):
        return _claim_by_updates(appointment, online=online, plan=plan, day=day)
    values = {"store": store.pk, "starts_at": starts_at, "day": day, "hours": hours, "online": int(online),
              "slot_capacity": slot_capacity, "slot_online": slot_online, "day_capacity": day_capacity,
              "day_online": day_online, "advisor": advisor_id, "advisor_capacity": advisor_capacity}
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SLOT, values)
        if cursor.fetchone() is None:
            raise CapacityShort(_slot_short(store, starts_at, online))
        cursor.execute(_CLAIM_DAY, values)
        if cursor.fetchone() is None:
            raise CapacityShort(
                ONLINE if online and not DayLoad.objects.filter(
                    store=store, day=day, online_used__lt=F("online_capacity")).exists() else WORKSHOP
            )
        if advisor_id:
            cursor.execute(_CLAIM_ADVISOR, values)
            if cursor.fetchone() is None:
                raise CapacityShort(ADVISOR)


def _slot_short(store, starts_at, online):
    """What was short when a slot's counter refused a booking: its online share when the slot
    still had room for a booking at reception, else the reception."""
    room = SlotLoad.objects.filter(store=store, starts_at=starts_at, used__lt=F("capacity")).exists()
    return ONLINE if online and room else RECEPTION


def _claim_by_updates(appointment, *, online, plan, day):
    """`claim` as rows made first, then one conditional UPDATE per counter."""
    store, starts_at, hours = appointment.store, appointment.starts_at, appointment.labour_hours
    _ensure_rows(plan, starts_at, appointment.advisor_id)
    slot = SlotLoad.objects.filter(store=store, starts_at=starts_at, used__lt=F("capacity"))
    if online:
        slot = slot.filter(online_used__lt=F("online_capacity"))
    if slot.update(used=F("used") + 1, online_used=F("online_used") + int(online)) != 1:
        raise CapacityShort(_slot_short(store, starts_at, online))
    if online:
        if DayLoad.objects.filter(store=store, day=day, online_used__lt=F("online_capacity")).update(
            online_used=F("online_used") + 1
        ) != 1:
            raise CapacityShort(ONLINE)
    if DayLoad.objects.filter(store=store, day=day, hours_used__lte=F("hours_capacity") - hours).update(
        hours_used=F("hours_used") + hours
    ) != 1:
        raise CapacityShort(WORKSHOP)
    if appointment.advisor_id and AdvisorSlotLoad.objects.filter(
        advisor_id=appointment.advisor_id, starts_at=starts_at, used__lt=F("capacity")
    ).update(used=F("used") + 1) != 1:
        raise CapacityShort(ADVISOR)


def _upsert(model, key, inserted, updated, condition):
    """INSERT of a counter row with this booking counted, or on `key` the conditional UPDATE;
    RETURNING the row's id only when one of the two happened."""
    table = connection.ops.quote_name(model._meta.db_table)
    return (f"INSERT INTO {table} AS counter ({', '.join(inserted)}) "
            f"VALUES ({', '.join(inserted.values())}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updated} WHERE {condition} RETURNING counter.id")


_CLAIM_SLOT = _upsert(
    SlotLoad, ("store_id", "starts_at"),
    {"store_id": "%(store)s", "starts_at": "%(starts_at)s", "capacity": "%(slot_capacity)s", "used": "1",
     "online_capacity": "%(slot_online)s", "online_used": "%(online)s"},
    "used = counter.used + 1, online_used = counter.online_used + EXCLUDED.online_used",
    "counter.used < counter.capacity AND (EXCLUDED.online_used = 0 OR counter.online_used < counter.online_capacity)",
)
_CLAIM_DAY = _upsert(
    DayLoad, ("store_id", "day"),
    {"store_id": "%(store)s", "day": "%(day)s", "hours_capacity": "%(day_capacity)s", "hours_used": "%(hours)s",
     "online_capacity": "%(day_online)s", "online_used": "%(online)s"},
    "hours_used = counter.hours_used + EXCLUDED.hours_used, online_used = counter.online_used + EXCLUDED.online_used",
    "counter.hours_used <= counter.hours_capacity - EXCLUDED.hours_used "
    "AND (EXCLUDED.online_used = 0 OR counter.online_used < counter.online_capacity)",
)
_CLAIM_ADVISOR = _upsert(
    AdvisorSlotLoad, ("advisor_id", "starts_at"),
    {"store_id": "%(store)s", "advisor_id": "%(advisor)s", "starts_at": "%(starts_at)s",
     "capacity": "%(advisor_capacity)s", "used": "1"},
    "used = counter.used + 1",
    "counter.used < counter.capacity",
)


def release(appointment):
    """Give the appointment's place back (cancelled, moved away, no-show)."""
    store, starts_at = appointment.store, appointment.starts_at
    online = int(appointment.is_online)
    SlotLoad.objects.filter(store=store, starts_at=starts_at, used__gt=0).update(
        used=F("used") - 1, online_used=F("online_used") - online if online else F("online_used")
    )
    day = DayLoad.objects.filter(store=store, day=local(store, starts_at).date())
    day.filter(hours_used__gte=appointment.labour_hours).update(hours_used=F("hours_used") - appointment.labour_hours)
    if online:
        day.filter(online_used__gt=0).update(online_used=F("online_used") - 1)
    if appointment.advisor_id:
        AdvisorSlotLoad.objects.filter(advisor_id=appointment.advisor_id, starts_at=starts_at, used__gt=0).update(
            used=F("used") - 1
        )


def refresh_capacity(store, *, now=None):
    """Rewrite the capacity of the counters still to come after the settings, peaks, special
    days or absences changed. What is already booked stays booked (a lower capacity only stops
    new bookings)."""
    now = now or timezone.now()
    today = local(store, now).date()
    rows = list(DayLoad.objects.filter(store=store, day__gte=today).values_list("day", flat=True))
    last = max(rows, default=today)
    plan = CapacityPlan(store, today, last, with_load=False)
    for day in rows:
        DayLoad.objects.filter(store=store, day=day).update(hours_capacity=plan.day_hours_capacity(day),
                                                           online_capacity=plan.day_online_capacity(day))
    start, _ = day_bounds(store, today)
    for row in SlotLoad.objects.filter(store=store, starts_at__gte=start):
        SlotLoad.objects.filter(pk=row.pk).update(capacity=plan.slot_capacity(row.starts_at),
                                                  online_capacity=plan.slot_online_capacity(row.starts_at))
    for row in AdvisorSlotLoad.objects.filter(store=store, starts_at__gte=start):
        AdvisorSlotLoad.objects.filter(pk=row.pk).update(capacity=plan.advisor_capacity(row.advisor_id, row.starts_at))

