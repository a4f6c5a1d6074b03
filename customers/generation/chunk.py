"""One chunk of one store: its customers, vehicles, ownerships and repair orders, planned in
memory and written as COPY lines, with the return-visit calls of its repair orders."""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aftersales.demo import PLATE_LETTERS, VIN_CHARS, YEAR_CODES, DemoData
from visits.generation import CALL_ATTEMPT_COLUMNS, FOLLOWUP_COLUMNS, CallPlanner
from visits.models import CallAttempt, FollowUp

from ..loyalty import DEFAULTS as LOYALTY_DEFAULTS
from ..models import Customer, ServiceVisit, Vehicle, VehicleOwnership
from ..models.people import LoyaltyTier
from ..vin import with_check_digit
from .common import NULL, OrderRow, _local_epoch, _ts
from .plan import (
    CITIES,
    COLOURS,
    DECLINED,
    HISTORY_DAYS,
    MAKES,
    MAKES_BY_BRAND_PRICE,
    REGULAR_ORDERS_PER_VEHICLE,
    REPAIR_CUM_WEIGHTS,
    REPAIR_HOURS,
    REPAIR_PRICE,
    REPAIR_TYPES,
    ROADS,
    SOURCE_CUM_WEIGHTS,
    SOURCES,
    WORK_DONE,
    Make,
    _anniversary,
    orders_before,
    search_keys,
    vehicles_before,
)

if TYPE_CHECKING:
    from .generator import GroupGenerator
    from .plan import StoreProfile


@dataclass
class CustomerPlan:
    id: int
    name: str
    mobile: str
    gender: str
    birthday: str
    address: str
    source: str = "walk_in"
    do_not_contact: bool = False
    created: float = 0.0
    updated: float = 0.0
    visits: int = 0
    recent: int = 0
    last_visit: float | None = None
    vehicles: list = field(default_factory=list)


@dataclass
class VehiclePlan:
    id: int
    owner: CustomerPlan
    vin: str
    plate: str
    brand: str
    model: str
    model_year: int
    colour: str
    purchase: dt.date
    bought_here: bool
    warranty_end: dt.date
    compulsory_due: dt.date
    commercial_due: dt.date
    km_per_day: float
    orders: int = 0
    mileage: int | None = None
    created: float = 0.0
    updated: float = 0.0


class Chunk:
    """Customers [first, last) of one store, their vehicles and repair orders."""

    def __init__(self, gen: GroupGenerator, profile: StoreProfile, first: int, last: int):
        self.gen = gen
        self.profile = profile
        self.first, self.last = first, last
        self.demo = DemoData(seed=f"{gen.seed}/{profile.number}/{first}")
        self.rng = self.demo.random
        self.customers: list[CustomerPlan] = []
        self.vehicles: list[VehiclePlan] = []
        # Every repair order, for tables that later modules hang off them (follow-ups, complaints).
        self.orders: list[OrderRow] = []
        self.followup_ids: list[int] = []

    # Plans ------------------------------------------------------------------------------------
    def plan(self, customer_ids: list[int], vehicle_ids: list[int], order_ids: list[int],
             followup_ids: list[int] = ()):
        """`followup_ids` holds at least `profile.calls_per_order` ids a repair order."""
        rng, demo, city = self.rng, self.demo, self.profile.city
        self.order_ids = order_ids
        self.followup_ids = followup_ids
        vehicle_ids = iter(vehicle_ids)
        for k, customer_id in zip(range(self.first, self.last), customer_ids):
            district = rng.choice(city.districts)
            customer = CustomerPlan(
                id=customer_id,
                name=demo.person_name(),
                mobile=demo.mobile() if rng.random() > 0.02 else "",
                gender=rng.choices(("male", "female", ""), cum_weights=(60, 95, 100))[0],
                birthday=(
                    (self.gen.today - dt.timedelta(days=rng.randint(22 * 365, 70 * 365))).isoformat()
                    if rng.random() < 0.75 else NULL
                ),
                address=(
                    f"{city.province_name}{city.name}{district}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
                    if rng.random() < 0.6 else ""
                ),
                do_not_contact=rng.random() < 0.01,
            )
            self.customers.append(customer)
            for _ in range(2 if k % 5 == 0 else 1):
                vehicle = self._vehicle(next(vehicle_ids), customer)
                customer.vehicles.append(vehicle)
                self.vehicles.append(vehicle)
            first_vehicle = customer.vehicles[0]
            if first_vehicle.bought_here:
                customer.source = "sales"
            else:
                customer.source = rng.choices(SOURCES, cum_weights=SOURCE_CUM_WEIGHTS)[0]
        self._allocate_orders()

    def _vehicle(self, vehicle_id: int, owner: CustomerPlan) -> VehiclePlan:
        rng, today = self.rng, self.gen.today
        make = self.profile.make if rng.random() < 0.85 else rng.choice(MAKES)
        model, electric = rng.choice(make.models)
        # A third bought within the three years of history, the rest up to ten years ago.
        age_days = rng.randint(60, HISTORY_DAYS) if rng.random() < 0.33 else rng.randint(HISTORY_DAYS, 3650)
        purchase = today - dt.timedelta(days=age_days)
        model_year = purchase.year + (1 if purchase.month >= 10 and rng.random() < 0.3 else 0)
        due = _anniversary(purchase, today.year)
        if due < today - dt.timedelta(days=30):
            due = _anniversary(purchase, today.year + 1)
        commercial = due if rng.random() < 0.85 else due + dt.timedelta(days=rng.randint(-20, 40))
        return VehiclePlan(
            id=vehicle_id,
            owner=owner,
            vin=self._vin(make, model_year),
            plate=self._plate(electric or rng.random() < 0.05),
            brand=make.brand,
            model=model,
            model_year=model_year,
            colour=rng.choice(COLOURS),
            purchase=purchase,
            bought_here=rng.random() < 0.7,
            warranty_end=_anniversary(purchase, purchase.year + make.warranty_years),
            compulsory_due=due,
            commercial_due=commercial,
            km_per_day=rng.lognormvariate(math.log(40), 0.35),
        )

    def _vin(self, make: Make, model_year: int) -> str:
        choice = self.rng.choice
        year = YEAR_CODES[model_year - 2010] if model_year >= 2010 else str(model_year - 2000)
        body = (
            make.wmi
            + "".join(choice(VIN_CHARS) for _ in range(5))
            + "0"  # check digit, set below
            + year
            + choice(VIN_CHARS)  # plant
            + f"{self.rng.randrange(1_000_000):06d}"  # serial number
        )
        return with_check_digit(body)

    def _plate(self, new_energy: bool) -> str:
        rng = self.rng
        # Nine in ten cars wear the store's own city plates.
        if rng.random() < 0.9:
            province, letter = self.profile.city.province, rng.choice(self.profile.city.letters)
        else:
            other = rng.choice(CITIES)
            province, letter = other.province, rng.choice(other.letters)
        if new_energy:
            tail = rng.choice("DF") + rng.choice(PLATE_LETTERS + "0123456789") + f"{rng.randrange(10000):04d}"
        else:
            # Mostly digits, now and then a letter.
            tail = "".join(
                str(rng.randrange(10)) if rng.random() < 0.8 else rng.choice(PLATE_LETTERS)
                for _ in range(5)
            )
        return f"{province}{letter}{tail}"

    def _allocate_orders(self):
        """Share this chunk's repair orders out: one or more per vehicle, a few cars often."""
        rng, vehicles = self.rng, self.vehicles
        v0 = vehicles_before(self.first)
        total = orders_before(v0 + len(vehicles)) - orders_before(v0)
        rest = vehicles
        regular = REGULAR_ORDERS_PER_VEHICLE
        if self.first == 0 and total >= 2 * regular + len(vehicles) - 2:
            for vehicle in vehicles[:2]:  # customer 0 owns vehicles 0 and 1
                vehicle.orders = regular
            rest, total = vehicles[2:], total - 2 * regular
        if not rest:
            return
        base = 1 if total >= len(rest) else 0
        for vehicle in rest:
            vehicle.orders = base
        weights = [rng.gammavariate(1.3, 1.0) for _ in rest]
        for vehicle in rng.choices(rest, weights=weights, k=total - base * len(rest)):
            vehicle.orders += 1

    # Rows -------------------------------------------------------------------------------------
    def repair_order_rows(self):
        """COPY lines of the repair orders, updating the vehicle and customer plans as it goes
        (mileage, loyalty), which is why it runs before the customer and vehicle rows."""
        rng, gen, profile = self.rng, self.gen, self.profile
        now, today = gen.now_epoch, gen.today
        store_id, number = profile.store.pk, profile.number
        advisors, technicians = profile.advisors, profile.technicians
        recent_from = gen.loyalty_bounds[0]
        seq = orders_before(vehicles_before(self.first))
        order_ids = iter(self.order_ids)
        orders = self.orders
        random, randrange, uniform, choice = rng.random, rng.randrange, rng.uniform, rng.choice
        for vehicle in self.vehicles:
            customer = vehicle.owner
            price = MAKES_BY_BRAND_PRICE.get(vehicle.brand, 1.0)
            purchase_epoch = _local_epoch(vehicle.purchase, 12 * 60)
            span = min(HISTORY_DAYS, (today - vehicle.purchase).days - 7)
            openings = []
            for _ in range(vehicle.orders):
                # Within opening hours (08:30–17:30 local) of a day of the vehicle's history.
                opened = _local_epoch(today - dt.timedelta(days=randrange(span + 1)), 510 + randrange(540))
                openings.append(min(opened + randrange(60), now - 600 - randrange(7200)))
            openings.sort()  # in time order, so the mileage rises
            mileage = 0
            first_opened = opened = None
            for opened in openings:
                day = dt.date.fromordinal((opened + 8 * 3600) // 86400 + 719163)
                kind = rng.choices(REPAIR_TYPES, cum_weights=REPAIR_CUM_WEIGHTS)[0]
                if kind == "warranty" and day > vehicle.warranty_end:
                    kind = "minor_repair"
                low, high = REPAIR_HOURS[kind]
                closed = opened + int(uniform(low, high) * 3600)
                low, high = REPAIR_PRICE[kind]
                amount = f"{uniform(low, high) * price:.2f}" if high else "0.00"
                if random() < 0.015:
                    status, closed_text, amount = "cancelled", NULL, "0.00"
                elif closed > now:
                    status, closed_text = "open", NULL
                else:
                    status, closed_text = "closed", _ts(closed)
                driven = (opened - purchase_epoch) / 86400 * vehicle.km_per_day * uniform(0.93, 1.07)
                mileage = max(mileage + 30 + randrange(200), int(driven))
                seq += 1
                if first_opened is None:
                    first_opened = opened
                opened_text = _ts(opened)
                order_id = next(order_ids)
                # Drawn in the order they are written, so a seed gives the same data as ever.
                staff = f"{choice(advisors)}\t{choice(technicians)}"
                booked = "t" if random() < (0.4 if "maint" in kind else 0.15) else "f"
                work = choice(WORK_DONE[kind])
                declined = choice(DECLINED) if random() < 0.12 else ""
                orders.append(OrderRow(
                    order_id, customer.id, vehicle.id, kind, status, opened,
                    None if closed_text == NULL else closed, bool(declined),
                ))
                yield (
                    f"{order_id}\t{store_id}\tRO{number:03d}{day:%Y%m%d}{seq:06d}\t{customer.id}\t{vehicle.id}\t"
                    f"{kind}\t{status}\t{opened_text}\t{closed_text}\t{mileage}\t"
                    f"{staff}\t{amount}\t{booked}\t{work}\t{declined}\t"
                    f"f\t{opened_text}\t{_ts(closed if closed_text != NULL else opened)}\n"
                )
                if status != "cancelled":
                    customer.visits += 1
                    if opened >= recent_from:
                        customer.recent += 1
                    if customer.last_visit is None or opened > customer.last_visit:
                        customer.last_visit = opened
            # A car bought here is on file from its sale, any other from its first visit.
            vehicle.created = purchase_epoch
            if not vehicle.bought_here and first_opened is not None:
                vehicle.created = max(purchase_epoch, first_opened - 3600)
            vehicle.mileage = mileage if vehicle.orders else None
            vehicle.updated = max(vehicle.created, opened or 0)
        for customer in self.customers:
            customer.created = min(v.created for v in customer.vehicles)
            customer.updated = max(v.updated for v in customer.vehicles)

    def _tier(self, c: CustomerPlan) -> str:
        """The rule of customers.loyalty, so that refresh_loyalty() finds nothing to change."""
        _, lapsing_from, churned_from = self.gen.loyalty_bounds
        if c.last_visit is not None and c.last_visit < churned_from:
            return LoyaltyTier.CHURNED.value
        if c.last_visit is not None and c.last_visit < lapsing_from:
            return LoyaltyTier.LAPSING.value
        if c.recent >= LOYALTY_DEFAULTS["loyal_min_visits"]:
            return LoyaltyTier.LOYAL.value
        if c.visits >= 2:
            return LoyaltyTier.REGULAR.value
        return LoyaltyTier.NEW.value

    def customer_rows(self):
        store_id = self.profile.store.pk
        for c in self.customers:
            pinyin, initials, grams = search_keys(c.name)
            tier = self._tier(c)
            created = _ts(c.created)
            if c.do_not_contact:
                no_contact = f"t\t客户要求不再回访\t{_ts(max(c.created, c.updated))}"
            else:
                no_contact = f"f\t\t{NULL}"
            yield (
                f"{c.id}\t{store_id}\t{c.name}\t{c.mobile}\t{c.gender}\t{c.birthday}\t{c.address}\t"
                f"{c.source}\tzh-hans\t{no_contact}\t\t{pinyin}\t{initials}\t{grams}\t"
                f"{c.visits}\t{c.recent}\t{_ts(c.last_visit) if c.last_visit else NULL}\t{tier}\t"
                f"{NULL}\t{created}\t{_ts(c.updated)}\n"
            )

    def vehicle_rows(self):
        store_id = self.profile.store.pk
        for v in self.vehicles:
            yield (
                f"{v.id}\t{store_id}\t{v.owner.id}\t{v.vin}\t{v.plate}\t{v.brand}\t{v.model}\t"
                f"{v.model_year}\t{v.colour}\t{v.purchase.isoformat()}\t{'t' if v.bought_here else 'f'}\t"
                f"{v.warranty_end.isoformat()}\t{v.compulsory_due.isoformat()}\t"
                f"{v.commercial_due.isoformat()}\t{NULL if v.mileage is None else v.mileage}\t"
                f"{_ts(v.created)}\t{_ts(v.updated)}\n"
            )

    def ownership_rows(self):
        for v in self.vehicles:
            yield f"{v.id}\t{v.owner.id}\t{v.purchase.isoformat()}\t{NULL}\t\n"

    def call_rows(self):
        """COPY lines of the follow-ups and of their call attempts (after the repair orders)."""
        planner = CallPlanner(
            self.gen, self.profile, random.Random(f"{self.gen.seed}/{self.profile.number}/{self.first}/calls")
        )
        customers = {c.id: (c.do_not_contact, self._tier(c) == LoyaltyTier.LOYAL.value) for c in self.customers}
        warranty = {v.id: v.warranty_end for v in self.vehicles}
        return planner.plan(self.orders, customers, warranty, iter(self.followup_ids))

    def tables(self):
        """[(model, columns, lines)] in foreign-key order. The repair orders are generated
        first: they fill in the vehicles' mileage and the customers' loyalty fields."""
        orders = list(self.repair_order_rows())
        followups, attempts = self.call_rows()
        return [
            (Customer, CUSTOMER_COLUMNS, list(self.customer_rows())),
            (Vehicle, VEHICLE_COLUMNS, list(self.vehicle_rows())),
            (VehicleOwnership, OWNERSHIP_COLUMNS, list(self.ownership_rows())),
            (ServiceVisit, REPAIR_ORDER_COLUMNS, orders),
            (FollowUp, FOLLOWUP_COLUMNS, followups),
            (CallAttempt, CALL_ATTEMPT_COLUMNS, attempts),
        ]


# Columns in the order the *_rows generators write them (generated columns are left out).
CUSTOMER_COLUMNS = (
    "id", "store_id", "name", "mobile", "gender", "birthday", "address", "source",
    "preferred_language", "do_not_contact", "do_not_contact_reason", "do_not_contact_since",
    "notes", "name_pinyin", "name_initials", "name_grams", "visit_count", "recent_visit_count",
    "last_visit_at", "loyalty_tier", "merged_into_id", "created_at", "updated_at",
)
VEHICLE_COLUMNS = (
    "id", "store_id", "owner_id", "vin", "plate", "brand", "model", "model_year", "colour",
    "purchase_date", "bought_here", "warranty_end", "compulsory_insurance_due",
    "commercial_insurance_due", "mileage", "created_at", "updated_at",
)
OWNERSHIP_COLUMNS = ("vehicle_id", "customer_id", "started_on", "ended_on", "note")
REPAIR_ORDER_COLUMNS = (
    "id", "store_id", "order_no", "customer_id", "vehicle_id", "repair_type", "status", "opened_at",
    "closed_at", "mileage", "advisor_name", "technician_name", "amount", "from_appointment",
    "work_summary", "declined_work", "imported", "created_at", "updated_at",
)
