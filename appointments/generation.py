"""The appointments of the dealer-group data set (`customers.generation`): about 40% of the
repair orders came from an appointment (2,000,000 appointments at scale 1, 40,000 a store), the
rest from walk-ins, drawn from the store's repair orders as stored, after its customers are
complete (`add_appointments`, a step of `GroupGenerator.run`).

- Staff: every store gets its six service advisors as users (grp-001-sa1 …, role advisor), named
  as the repair orders' advisors are, so the day book has its columns and the figures by advisor
  add up; the appointments of an order are the order's advisor's.
- Arrivals: a repair order flagged "from an appointment" (and enough more, flagged here, to make
  40% of the orders that were not cancelled) has an appointment at the quarter hour before it was
  opened, arrived a few minutes before and linked to it, completed when the order was closed
  (still arrived while it is open). Every other order that was not cancelled has its walk-in,
  recorded at reception as it was opened, so the appointment rate counts both.
- Appointments nobody came to: a no-show for about 15% of those due (show rate ~85%), and a
  cancellation for about 8% of all, on a day before the customer's visit.
- The coming days: from today to the booking horizon, fewer each day further out, in the free
  slots only (reception, peaks, online share, workshop hours and the advisor's slot, as
  `appointments.capacity` counts them), booked or confirmed (two days ahead, by the D-2 call),
  with the counter rows (`SlotLoad`, `DayLoad`, `AdvisorSlotLoad`) of today and those days
  holding exactly what the appointments take.
- Sources: phone first, online 20–30%, return-visit calls, maintenance reminders for
  maintenance, the manufacturer's campaigns for recalls, a few walk-ins booked for later.
- Every move is an `AppointmentTransition` (booked, confirmed, arrived, completed, linked,
  cancelled, no-show), as the state machine writes them.

Loaded by COPY in one transaction a store, with the history triggers off (see
`customers.generation.common`). A store's orders that already have an appointment or a walk-in
are left alone, so a second run adds nothing and a larger scale adds the new orders' arrivals.
Drawn from a generator seeded by (seed, store, orders already linked).
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group
from django.db import connection

from aftersales.models import Department, Store, User
from aftersales.roles import sync_roles
from customers.generation.common import NULL, _local_epoch, _ts, copy_lines, loading_transaction, reserve_ids
from customers.generation.plan import STAFF_ADVISORS, STAFF_TECHNICIANS
from customers.models import ServiceVisit

from . import capacity
from .defaults import install_defaults
from .models import (
    AdvisorSlotLoad, Appointment, AppointmentTransition, CapacitySettings, DayLoad, ServiceType, SlotLoad, WalkIn,
)

if TYPE_CHECKING:
    from customers.generation.generator import GroupGenerator

APPOINTMENT_SHARE = 0.40  # of the repair orders not cancelled
SHOW_RATE = 0.85
CANCELLED_SHARE = 0.08
CONFIRMED_SHARE = 0.70  # of those booked more than two days ahead: the D-2 call reached them
ADVISOR_SHARE = 0.75  # of the coming days' bookings: the customer chose an advisor
# (source, weight) by repair type group; online only where the service type is bookable online.
SOURCES = {
    "maintenance": (("phone", 38), ("online", 27), ("return_visit", 8), ("maintenance_reminder", 22), ("walk_in", 5)),
    "recall": (("campaign", 70), ("phone", 20), ("online", 10)),
    "other": (("phone", 55), ("online", 22), ("return_visit", 15), ("walk_in", 8)),
}
MAINTENANCE = ("maintenance", "secondary_maintenance")
CANCEL_REASONS = ("客户临时出差", "车辆已在外地保养", "时间冲突，另约", "客户取消，未说明原因", "天气原因")
DAY = 86400
SLOT_SECONDS = 15 * 60
LOCAL_OFFSET = 8 * 3600  # stores keep Asia/Shanghai (no DST), as customers.generation does

APPOINTMENT_COLUMNS = (
    "id", "store_id", "customer_id", "vehicle_id", "service_type_id", "labour_hours", "advisor_id", "source",
    "status", "starts_at", "version", "note", "parts_late", "visit_id", "created_by_id", "created_at",
    "confirmed_at", "arrived_at", "finished_at",
)
TRANSITION_COLUMNS = ("appointment_id", "actor_id", "at", "kind", "from_status", "to_status", "from_starts_at",
                      "to_starts_at", "note")
WALK_IN_COLUMNS = ("store_id", "customer_id", "vehicle_id", "advisor_id", "service_type_id", "arrived_at",
                   "visit_id", "created_by_id")


def _id(value) -> str:
    return NULL if value is None else str(value)


def _slot_floor(epoch: int) -> int:
    """The quarter hour at or before `epoch` (local quarter hours are UTC ones: +8 h)."""
    return epoch - epoch % SLOT_SECONDS


def ensure_advisors(store: Store, names: list[str]) -> dict[str, int]:
    """The store's service advisors grp-001-sa1 … (role advisor), by full name."""
    group = Group.objects.filter(name="advisor").first()
    if group is None:
        sync_roles()
        group = Group.objects.get(name="advisor")
    department = store.departments.filter(kind=Department.Kind.WORKSHOP).first()
    by_name = {}
    for n, name in enumerate(names, start=1):
        user, created = User.objects.get_or_create(
            username=f"{store.code}-sa{n}", defaults={"full_name": name, "department": department}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.stores.add(store)
            user.groups.add(group)
        by_name.setdefault(user.full_name, user.pk)
    return by_name


def ensure_capacity(store: Store):
    """The booking rules of a generated store: the seeds' defaults, with the reception and the
    workshop of the store's staff (six advisors, twelve technicians)."""
    install_defaults(store)
    CapacitySettings.objects.filter(store=store).update(reception_per_slot=STAFF_ADVISORS,
                                                        technicians=STAFF_TECHNICIANS)


class StoreAppointments:
    """One store's appointments, walk-ins and counters as COPY lines."""

    def __init__(self, gen: GroupGenerator, store: Store, rng: random.Random, types: dict, advisors: dict,
                 reception: int, agents: tuple):
        self.gen, self.store, self.rng = gen, store, rng
        self.types, self.advisors, self.reception, self.agents = types, advisors, reception, agents
        self.appointments, self.transitions, self.walk_ins = [], [], []
        self.ids: list[int] = []
        self.flagged: list[int] = []  # orders marked "from an appointment" here
        self.upcoming_vehicles: set[int] = set()

    # --- Drawing -------------------------------------------------------------------------------
    def _source(self, repair_type: str) -> str:
        group = "maintenance" if repair_type in MAINTENANCE else "recall" if repair_type == "recall" else "other"
        names, weights = zip(*SOURCES[group], strict=True)
        source = self.rng.choices(names, weights)[0]
        if source == "online" and not self.types[repair_type].bookable_online:
            source = "phone"
        return source

    def _booked_before(self, starts: int) -> int:
        """When the booking was made: mostly 1–7 days ahead, some the day before or weeks ahead."""
        r = self.rng.random()
        ahead = self.rng.uniform(0.1, 1) if r < 0.15 else self.rng.uniform(1, 7) if r < 0.8 else \
            self.rng.uniform(7, 25)
        return int(starts - ahead * DAY)

    def _creator(self, source):
        if source == "online":
            return None
        if source in ("return_visit", "maintenance_reminder", "campaign"):
            return self.rng.choice(self.agents)
        return self.reception

    def _add(self, *, customer, vehicle, repair_type, advisor, starts, status, source=None, created=None,
             visit=None, order_no="", arrived=None, finished=None, now=None):
        rng = self.rng
        service_type = self.types[repair_type]
        source = source or self._source(repair_type)
        created = min(created or self._booked_before(starts), now or starts)
        creator = self._creator(source)
        confirmed = None
        d2 = starts - 2 * DAY
        if status != "cancelled" and d2 > created and d2 <= (now or starts) and rng.random() < CONFIRMED_SHARE:
            # The D-2 call, during the working hours of that day.
            confirmed = d2 - (d2 + LOCAL_OFFSET) % DAY + rng.randrange(9 * 3600, 17 * 3600)
            confirmed = max(min(confirmed, now or starts), created + 60)
            if status == "booked":
                status = "confirmed"
        ident = len(self.appointments)
        self.appointments.append([
            None, customer, vehicle, service_type.pk, service_type.labour_hours, advisor, source, status, starts,
            creator, created, confirmed, arrived, finished, visit,
        ])
        moves = [(creator, created, "booked", "", "booked", None, starts, "")]
        if confirmed is not None:
            moves.append((rng.choice(self.agents), confirmed, "confirmed", "booked", "confirmed", None, None,
                          "D-2 电话确认"))
        before = "confirmed" if confirmed is not None else "booked"
        if arrived is not None:
            moves.append((self.reception, arrived, "arrived", before, "arrived", None, None, ""))
            if visit is not None:
                moves.append((None, arrived + 600, "linked", "", "", None, None, order_no))
            if finished is not None:
                moves.append((self.reception, finished, "completed", "arrived", "completed", None, None, ""))
        elif status == "no_show":
            moves.append((None, finished, "no_show", before, "no_show", None, None, ""))
        elif status == "cancelled":
            moves.append((creator, finished, "cancelled", before, "cancelled", None, None,
                          rng.choice(CANCEL_REASONS)))
        self.transitions.append((ident, moves))
        if status in Appointment.UPCOMING:
            self.upcoming_vehicles.add(vehicle)
        return ident

    # --- The history, from the orders ---------------------------------------------------------
    def plan_history(self, orders, now: int):
        """`orders`: (id, order no, customer, vehicle, repair type, status, opened, closed,
        flagged, advisor name) of the store's orders without an arrival yet."""
        rng = self.rng
        standing = [o for o in orders if o[5] != "cancelled"]
        flagged = sum(1 for o in standing if o[8])
        extra = max(APPOINTMENT_SHARE * len(standing) - flagged, 0) / max(len(standing) - flagged, 1)
        for order_id, order_no, customer, vehicle, repair_type, status, opened, closed, from_appointment, \
                advisor_name in standing:
            advisor = self.advisors.get(advisor_name)
            if not from_appointment and rng.random() < extra:
                from_appointment = True
                self.flagged.append(order_id)
            arrived = opened - rng.randrange(60, 900)
            if not from_appointment:
                self.walk_ins.append(
                    f"{self.store.pk}\t{customer}\t{vehicle}\t{_id(advisor)}\t{self.types[repair_type].pk}\t"
                    f"{_ts(arrived)}\t{order_id}\t{self.reception}\n"
                )
                continue
            starts = _slot_floor(arrived + rng.randrange(0, 600))
            finished = closed if status == "closed" else None
            self._add(customer=customer, vehicle=vehicle, repair_type=repair_type, advisor=advisor, starts=starts,
                      status="completed" if finished else "arrived", visit=order_id, order_no=order_no,
                      arrived=arrived, finished=finished, now=now)
            # The customer's appointments that came to nothing, on days before this visit.
            r = rng.random()
            if r < (1 - SHOW_RATE) / SHOW_RATE + CANCELLED_SHARE:
                missed = _slot_floor(starts - rng.randrange(2, 60) * DAY + rng.randrange(-3, 4) * SLOT_SECONDS)
                if r < (1 - SHOW_RATE) / SHOW_RATE:
                    self._add(customer=customer, vehicle=vehicle, repair_type=repair_type, advisor=advisor,
                              starts=missed, status="no_show", finished=missed + 45 * 60, now=now)
                else:
                    created = self._booked_before(missed)
                    cancelled = rng.randint(created, missed - 600) if missed - 600 > created else created
                    self._add(customer=customer, vehicle=vehicle, repair_type=repair_type, advisor=advisor,
                              starts=missed, status="cancelled", created=created, finished=cancelled, now=now)

    # --- The coming days, in the free capacity ------------------------------------------------
    def plan_future(self, vehicles, now: int, today: dt.date, per_day: float):
        """Booked and confirmed appointments from now to the horizon in the free slots, and the
        counters of those days (with the arrivals of today). `vehicles`: (vehicle, customer,
        advisor name) of the store to draw from."""
        rng = self.rng
        settings = CapacitySettings.for_store(self.store)
        last = today + dt.timedelta(days=settings.horizon_days)
        plan = capacity.CapacityPlan(self.store, today, last, with_load=False)
        slot_used = defaultdict(lambda: [0, 0])  # starts epoch -> [used, online used]
        day_used = defaultdict(lambda: [Decimal(0), 0])  # day -> [hours, online]
        advisor_used = defaultdict(int)  # (advisor, starts epoch) -> used
        start_of_today = _local_epoch(today, 0)
        for row in self.appointments:
            if row[8] >= start_of_today and row[7] in Appointment.HOLDS_CAPACITY:
                self._take(row, slot_used, day_used, advisor_used)
        candidates = [v for v in vehicles if v[0] not in self.upcoming_vehicles]
        rng.shuffle(candidates)
        pool = iter(candidates)
        repair_types = list(self.types)
        weights = [45 if t == "maintenance" else 12 if t in ("secondary_maintenance", "minor_repair") else 5
                   for t in repair_types]
        day = today
        while day <= last:
            times = [int(t.timestamp()) for t in plan.slot_times(day)]
            times = [t for t in times if t > now + 3600]
            expected = per_day * max(0.08, 1 - (day - today).days / 10) * rng.uniform(0.8, 1.2)
            wanted = int(expected) + (rng.random() < expected % 1)
            for _ in range(wanted if times else 0):
                try:
                    vehicle, customer, advisor_name = next(pool)
                except StopIteration:
                    break
                repair_type = rng.choices(repair_types, weights)[0]
                source = self._source(repair_type)
                online = source == "online"
                hours = self.types[repair_type].labour_hours
                advisor = self.advisors.get(advisor_name) if not online and rng.random() < ADVISOR_SHARE else None
                for _try in range(12):
                    # Out of the peaks mostly: customers are offered the quieter times first.
                    starts = rng.choice(times)
                    moment = dt.datetime.fromtimestamp(starts, tz=dt.timezone.utc)
                    if self._fits(plan, day, moment, starts, hours, online, advisor, slot_used, day_used,
                                  advisor_used):
                        break
                else:
                    continue
                created = max(self._booked_before(starts), now - 20 * DAY)
                created = min(created, now - rng.randrange(60, 3 * 3600))
                ident = self._add(customer=customer, vehicle=vehicle, repair_type=repair_type, advisor=advisor,
                                  starts=starts, status="booked", source=source, created=created, now=now)
                self._take(self.appointments[ident], slot_used, day_used, advisor_used)
            day += dt.timedelta(days=1)
        return plan, slot_used, day_used, advisor_used

    def _take(self, row, slot_used, day_used, advisor_used):
        starts, online = row[8], row[6] == "online"
        slot_used[starts][0] += 1
        slot_used[starts][1] += int(online)
        day = dt.date.fromordinal((starts + LOCAL_OFFSET) // DAY + 719163)
        day_used[day][0] += row[4]
        day_used[day][1] += int(online)
        if row[5] is not None:
            advisor_used[(row[5], starts)] += 1

    def _fits(self, plan, day, moment, starts, hours, online, advisor, slot_used, day_used, advisor_used):
        used, online_used = slot_used[starts]
        if used >= plan.slot_capacity(moment):
            return False
        if online and (online_used >= plan.slot_online_capacity(moment)
                       or day_used[day][1] >= plan.day_online_capacity(day)):
            return False
        if day_used[day][0] + hours > plan.day_hours_capacity(day):
            return False
        return advisor is None or advisor_used[(advisor, starts)] < plan.advisor_capacity(advisor, moment)

    # --- Lines ---------------------------------------------------------------------------------
    def lines(self):
        appointments, transitions = [], []
        store_id = self.store.pk
        for row, (ident, moves) in zip(self.appointments, self.transitions, strict=True):
            (appointment_id, customer, vehicle, service_type, hours, advisor, source, status, starts, creator,
             created, confirmed, arrived, finished, visit) = row
            appointments.append(
                f"{appointment_id}\t{store_id}\t{customer}\t{vehicle}\t{service_type}\t{hours}\t{_id(advisor)}\t"
                f"{source}\t{status}\t{_ts(starts)}\t1\t\tf\t{_id(visit)}\t{_id(creator)}\t{_ts(created)}\t"
                f"{NULL if confirmed is None else _ts(confirmed)}\t{NULL if arrived is None else _ts(arrived)}\t"
                f"{NULL if finished is None else _ts(finished)}\n"
            )
            for actor, at, kind, before, after, from_starts, to_starts, note in moves:
                transitions.append(
                    f"{appointment_id}\t{_id(actor)}\t{_ts(at)}\t{kind}\t{before}\t{after}\t"
                    f"{NULL if from_starts is None else _ts(from_starts)}\t"
                    f"{NULL if to_starts is None else _ts(to_starts)}\t{note}\n"
                )
        return appointments, transitions


def add_appointments(gen: GroupGenerator, number: int, store: Store, profile=None) -> int:
    """The appointments and walk-ins of the store's repair orders that have neither yet, and on
    the first run the coming days' bookings with their counters; returns how many appointments
    were added."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FROM {ServiceVisit._meta.db_table} sv WHERE sv.store_id = %s
                AND sv.status <> 'cancelled'
                AND NOT EXISTS (SELECT 1 FROM {Appointment._meta.db_table} a WHERE a.visit_id = sv.id)
                AND NOT EXISTS (SELECT 1 FROM {WalkIn._meta.db_table} w WHERE w.visit_id = sv.id)""",
            [store.pk],
        )
        if not cursor.fetchone()[0]:
            return 0
    profile = profile or gen.profile(number, store)
    ensure_capacity(store)
    advisors = ensure_advisors(store, profile.advisors)
    types = {t.repair_type: t for t in ServiceType.objects.filter(store=store, is_active=True).order_by("pk")}
    first_run = not Appointment.objects.filter(store=store).exists()
    linked = Appointment.objects.filter(store=store, visit__isnull=False).count() + \
        WalkIn.objects.filter(store=store).count()
    rng = random.Random(f"{gen.seed}/{number}/{linked}/appointments")
    reception = min(advisors.values())
    with loading_transaction(), connection.connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id, order_no, customer_id, vehicle_id, repair_type, status,
                   extract(epoch FROM opened_at)::bigint, extract(epoch FROM closed_at)::bigint,
                   from_appointment, advisor_name
            FROM {ServiceVisit._meta.db_table} sv WHERE store_id = %s
              AND NOT EXISTS (SELECT 1 FROM {Appointment._meta.db_table} a WHERE a.visit_id = sv.id)
              AND NOT EXISTS (SELECT 1 FROM {WalkIn._meta.db_table} w WHERE w.visit_id = sv.id)
            ORDER BY id
            """,
            [store.pk],
        )
        orders = cursor.fetchall()
        planner = StoreAppointments(gen, store, rng, types, advisors, reception, tuple(profile.agents))
        planner.plan_history(orders, gen.now_epoch)
        counters = None
        if first_run:
            # The store's cars with the advisor of their last visit, for the coming days' bookings.
            last_advisor = {}
            for row in orders:
                last_advisor[row[3]] = (row[3], row[2], row[9])
            standing = sum(1 for o in orders if o[5] != "cancelled")
            per_day = standing * APPOINTMENT_SHARE / (3 * 365) / SHOW_RATE
            counters = planner.plan_future(list(last_advisor.values()), gen.now_epoch, gen.today, per_day)
        count = len(planner.appointments)
        for row, appointment_id in zip(planner.appointments, reserve_ids(cursor, Appointment, count), strict=True):
            row[0] = appointment_id
        appointments, transitions = planner.lines()
        copy_lines(cursor, Appointment, APPOINTMENT_COLUMNS, appointments)
        copy_lines(cursor, AppointmentTransition, TRANSITION_COLUMNS, transitions)
        copy_lines(cursor, WalkIn, WALK_IN_COLUMNS, planner.walk_ins)
        if planner.flagged:
            cursor.execute(f"UPDATE {ServiceVisit._meta.db_table} SET from_appointment = true WHERE id = ANY(%s)",
                           [planner.flagged])
        if counters is not None:
            _write_counters(cursor, store, *counters)
    return count


def _write_counters(cursor, store, plan, slot_used, day_used, advisor_used):
    """The counter rows of today and the coming days, holding what the appointments take."""
    slots, days, advisor_slots = [], [], []
    for starts, (used, online_used) in sorted(slot_used.items()):
        moment = dt.datetime.fromtimestamp(starts, tz=dt.timezone.utc)
        slots.append(f"{store.pk}\t{_ts(starts)}\t{max(plan.slot_capacity(moment), used)}\t{used}\t"
                     f"{plan.slot_online_capacity(moment)}\t{online_used}\n")
    for day, (hours, online_used) in sorted(day_used.items()):
        days.append(f"{store.pk}\t{day}\t{max(plan.day_hours_capacity(day), hours)}\t{hours}\t"
                    f"{max(plan.day_online_capacity(day), online_used)}\t{online_used}\n")
    for (advisor, starts), used in sorted(advisor_used.items()):
        moment = dt.datetime.fromtimestamp(starts, tz=dt.timezone.utc)
        advisor_slots.append(f"{store.pk}\t{advisor}\t{_ts(starts)}\t"
                             f"{max(plan.advisor_capacity(advisor, moment), used)}\t{used}\n")
    copy_lines(cursor, SlotLoad, ("store_id", "starts_at", "capacity", "used", "online_capacity", "online_used"),
               slots)
    copy_lines(cursor, DayLoad, ("store_id", "day", "hours_capacity", "hours_used", "online_capacity",
                                 "online_used"), days)
    copy_lines(cursor, AdvisorSlotLoad, ("store_id", "advisor_id", "starts_at", "capacity", "used"),
               advisor_slots)
