"""The dealer-group data set for benchmarks: `manage.py generate_dealer_group --scale S`.

Scale 1 is the group of the design: 50 stores, 1,000,000 customers, 1,200,000 vehicles (every
fifth customer owns two), 5,000,000 repair orders over the last three years, and one open
ownership row per vehicle. Smaller scales shrink the number of stores and customers in
proportion (at least one store).

How it is built
- Rows are streamed into PostgreSQL with COPY (psycopg 3 `cursor.copy`), one table after the
  other, per *chunk* of customers of one store. A chunk's rows are generated from small
  in-memory plans (a few thousand customers at a time), never the whole data set.
- Every chunk is one transaction, so a store's customer count always marks how far it got:
  an interrupted run resumes where it stopped, a second run at the same scale adds nothing, and
  a run at a larger scale tops every store up to its new size.
- Everything is drawn from random generators seeded by (seed, store, first customer of the
  chunk), so the same chunk is the same data on every machine.
- The counts are exact by construction: customer k of a store (counting from 0) owns two
  vehicles when k % 5 == 0, so the first k customers own `vehicles_before(k)` vehicles, and
  the first v vehicles have `orders_before(v)` = v * 25 // 6 repair orders between them.
  The first customer of every store has exactly 30 repair orders (two vehicles, 15 each):
  the customer page benchmark opens that file.
- Loyalty fields are computed while the repair orders are generated and then checked by
  `customers.loyalty.refresh_loyalty` per store at the end (it should change nothing).

History triggers: the synthetic rows are loaded with `SET LOCAL session_replication_role =
replica` when the database user is a superuser (the case for dev and benchmark databases). That
switches off every ordinary trigger for the loading transaction only: pghistory's triggers, so
millions of history rows are not written, and also the foreign-key triggers, whose per-row
look-ups and row locks would double the load time. The rows are consistent by construction and
the test checks the joins. A non-superuser cannot set the role; then `pgtrigger.ignore()` is
used instead, which skips the history rows but still runs the triggers and foreign-key checks.

Adding a table (later modules): rows that hang off one chunk's customers, vehicles or repair
orders get a `*_rows` generator and a column list here and an entry in `Chunk.tables()` (kept
in foreign-key order); anything else (per store or group-wide) gets a step in
`GroupGenerator.run` after the chunks. Keep one generator and one column list per table.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import math
import queue
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import pgtrigger
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone

from aftersales.demo import PLATE_LETTERS, VIN_CHARS, YEAR_CODES, DemoData
from aftersales.models import Department, Store

from .loyalty import DEFAULTS as LOYALTY_DEFAULTS
from .loyalty import refresh_loyalty
from .models import Customer, ServiceVisit, Vehicle, VehicleOwnership
from .models.people import LoyaltyTier
from .models.service import RepairType
from .normalize import name_grams, name_initials, name_pinyin
from .vin import with_check_digit

PREFIX = "grp-"
DEFAULT_SEED = 2026
STORES_AT_SCALE_1 = 50
CUSTOMERS_AT_SCALE_1 = 1_000_000
CHUNK_CUSTOMERS = 2_500
HISTORY_DAYS = 3 * 365 + 1
# Every store's first customer: a fleet account whose two cars come in often.
REGULAR_ORDERS_PER_VEHICLE = 15
UTC = dt.timezone.utc
SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # stores keep Asia/Shanghai, which has no DST


def vehicles_before(k: int) -> int:
    """Vehicles owned by a store's first k customers (customer j owns two when j % 5 == 0)."""
    return k + (k + 4) // 5


def orders_before(v: int) -> int:
    """Repair orders of a store's first v vehicles: 5,000,000 / 1,200,000 = 25/6 a vehicle."""
    return v * 25 // 6


@dataclass(frozen=True)
class Plan:
    scale: float
    stores: int
    customers: tuple[int, ...]  # per store

    @classmethod
    def for_scale(cls, scale: float) -> Plan:
        if scale <= 0:
            raise ValueError("scale must be positive")
        stores = max(1, round(STORES_AT_SCALE_1 * scale))
        total = max(stores, round(CUSTOMERS_AT_SCALE_1 * scale))
        per_store = tuple(total // stores + (1 if n < total % stores else 0) for n in range(stores))
        return cls(scale, stores, per_store)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "stores": self.stores,
            "customers": sum(self.customers),
            "vehicles": sum(vehicles_before(k) for k in self.customers),
            "repair_orders": sum(orders_before(vehicles_before(k)) for k in self.customers),
        }


# --- Reference data -------------------------------------------------------------------------

@dataclass(frozen=True)
class City:
    province: str  # plate character
    letters: str  # plate city letters in use
    name: str
    province_name: str
    districts: tuple[str, ...]
    area_code: str


CITIES = (
    City("粤", "B", "深圳市", "广东省", ("南山区", "福田区", "宝安区", "龙岗区"), "0755"),
    City("粤", "A", "广州市", "广东省", ("天河区", "越秀区", "海珠区", "白云区"), "020"),
    City("京", "ABCEFGHJKLMNPQ", "北京市", "", ("朝阳区", "海淀区", "丰台区", "通州区"), "010"),
    City("沪", "ABCDEFGHJKLMN", "上海市", "", ("浦东新区", "闵行区", "徐汇区", "嘉定区"), "021"),
    City("浙", "A", "杭州市", "浙江省", ("西湖区", "滨江区", "余杭区", "萧山区"), "0571"),
    City("苏", "A", "南京市", "江苏省", ("鼓楼区", "江宁区", "玄武区", "建邺区"), "025"),
    City("苏", "E", "苏州市", "江苏省", ("姑苏区", "吴中区", "相城区", "吴江区"), "0512"),
    City("川", "A", "成都市", "四川省", ("武侯区", "锦江区", "成华区", "双流区"), "028"),
    City("鄂", "A", "武汉市", "湖北省", ("江汉区", "洪山区", "武昌区", "汉阳区"), "027"),
    City("鲁", "B", "青岛市", "山东省", ("市南区", "崂山区", "黄岛区", "城阳区"), "0532"),
)
ROADS = ("人民路", "中山路", "建设路", "解放路", "和平路", "长江路", "新华路", "学府路", "滨海大道", "科技园路")


@dataclass(frozen=True)
class Make:
    dealer: str  # how the store names its franchise
    brand: str  # Vehicle.brand
    wmi: str  # VIN prefix of the Chinese joint venture
    models: tuple[tuple[str, bool], ...]  # (model, electric)
    price: float  # labour and parts price level
    warranty_years: int


MAKES = (
    Make("一汽-大众", "大众", "LFV", (("速腾", False), ("迈腾", False), ("宝来", False), ("探岳", False), ("ID.4 CROZZ", True)), 1.0, 3),
    Make("上汽大众", "大众", "LSV", (("朗逸", False), ("帕萨特", False), ("途观L", False), ("途昂", False), ("ID.3", True)), 1.0, 3),
    Make("华晨宝马", "宝马", "LBV", (("3系", False), ("5系", False), ("X1", False), ("X3", False), ("iX3", True)), 1.9, 3),
    Make("北京奔驰", "奔驰", "LE4", (("C级", False), ("E级", False), ("GLC", False), ("GLA", False), ("EQE", True)), 2.0, 3),
    Make("广汽丰田", "丰田", "LVG", (("凯美瑞", False), ("汉兰达", False), ("雷凌", False), ("威兰达", False), ("bZ4X", True)), 0.9, 3),
    Make("东风日产", "日产", "LGB", (("轩逸", False), ("天籁", False), ("奇骏", False), ("逍客", False), ("艾睿雅", True)), 0.85, 3),
    Make("比亚迪", "比亚迪", "LGX", (("汉", True), ("唐", True), ("秦PLUS", True), ("宋PLUS", True), ("海豹", True)), 0.8, 6),
)
COLOURS = ("白色", "白色", "黑色", "黑色", "银色", "灰色", "蓝色", "红色", "棕色")

# Repair-type mix of an ordinary 4S workshop, with (min, max) hours in the workshop and
# (min, max) yuan at price level 1.
REPAIR_MIX = (
    (RepairType.MAINTENANCE, 45, (1, 3.5), (380, 1600)),
    (RepairType.MINOR_REPAIR, 21, (1, 30), (150, 2800)),
    (RepairType.SECONDARY_MAINTENANCE, 10, (2, 6), (1200, 4500)),
    (RepairType.ACCIDENT, 9, (48, 480), (1500, 38000)),
    (RepairType.WARRANTY, 8, (3, 96), (0, 0)),
    (RepairType.RECALL, 4, (1, 3), (0, 0)),
    (RepairType.MAJOR_OVERHAUL, 3, (72, 600), (6000, 35000)),
)
REPAIR_TYPES = tuple(row[0].value for row in REPAIR_MIX)
REPAIR_CUM_WEIGHTS = tuple(sum(row[1] for row in REPAIR_MIX[: n + 1]) for n in range(len(REPAIR_MIX)))
REPAIR_HOURS = {row[0].value: row[2] for row in REPAIR_MIX}
REPAIR_PRICE = {row[0].value: row[3] for row in REPAIR_MIX}
WORK_DONE = {
    "maintenance": ("更换机油、机滤", "常规保养：机油、机滤、空滤", "小保养，检查轮胎、刹车"),
    "secondary_maintenance": ("大保养：机油、三滤、火花塞", "更换刹车油、空调滤芯", "更换变速箱油"),
    "minor_repair": ("更换雨刮片", "更换前刹车片", "补胎", "更换蓄电池", "空调清洗", "更换大灯灯泡"),
    "warranty": ("索赔：更换水泵", "索赔：更换车窗升降器", "索赔：更换空调压缩机"),
    "accident": ("前保险杠钣喷", "左前门钣金喷漆", "更换前大灯、钣喷"),
    "recall": ("召回：更新发动机控制软件", "召回：更换安全气囊气体发生器"),
    "major_overhaul": ("发动机大修", "变速箱大修"),
}
DECLINED = (
    "建议更换刹车片（剩余3mm）", "建议更换轮胎", "建议清洗节气门", "建议更换蓄电池",
    "建议做四轮定位", "建议更换雨刮片", "建议更换空调滤芯",
)
SOURCES = ("walk_in", "dms", "online", "referral", "other")
SOURCE_CUM_WEIGHTS = (40, 75, 85, 95, 100)
STAFF_ADVISORS = 6
STAFF_TECHNICIANS = 12

# COPY text format: nothing generated here contains a tab, newline or backslash.
NULL = r"\N"


@lru_cache(maxsize=200_000)
def search_keys(name: str) -> tuple[str, str, str]:
    """(pinyin, initials, grams as a COPY array literal); names repeat a lot, pypinyin is slow."""
    grams = ",".join(f'"{gram}"' for gram in name_grams(name))
    return name_pinyin(name), name_initials(name), "{" + grams + "}"


def _ts(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch))


def _local_epoch(day: dt.date, minute: int) -> int:
    """`minute` minutes after local (UTC+8) midnight of `day`, as a Unix time."""
    return (day.toordinal() - 719163) * 86400 + minute * 60 - 8 * 3600


def _anniversary(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


# --- Stores ---------------------------------------------------------------------------------

@dataclass
class StoreProfile:
    number: int
    store: Store
    city: City
    make: Make
    advisors: list[str]
    technicians: list[str]

    @classmethod
    def build(cls, number: int, store: Store, seed) -> StoreProfile:
        staff = DemoData(seed=f"{seed}/{number}/staff")
        return cls(
            number=number,
            store=store,
            city=CITIES[(number - 1) % len(CITIES)],
            make=MAKES[(number - 1) % len(MAKES)],
            advisors=[staff.person_name() for _ in range(STAFF_ADVISORS)],
            technicians=[staff.person_name() for _ in range(STAFF_TECHNICIANS)],
        )


def store_code(number: int) -> str:
    return f"{PREFIX}{number:03d}"


def ensure_stores(count: int) -> list[Store]:
    """Stores grp-001 … with their departments; existing ones are left as they are."""
    existing = {s.code: s for s in Store.objects.filter(code__startswith=PREFIX)}
    stores = []
    for number in range(1, count + 1):
        code = store_code(number)
        store = existing.get(code)
        if store is None:
            city, make = CITIES[(number - 1) % len(CITIES)], MAKES[(number - 1) % len(MAKES)]
            district = city.districts[number % len(city.districts)]
            store = Store.objects.create(
                code=code,
                name=f"{city.name[:-1]}{district[:-1]}{make.dealer}4S店（集团{number:03d}）",
                address=f"{city.province_name}{city.name}{district}{ROADS[number % len(ROADS)]}{number * 8}号",
                phone=f"{city.area_code}-{8800_0000 + number:08d}",
            )
            Department.objects.bulk_create(
                Department(store=store, kind=kind, name=label)
                for kind, label in (
                    (Department.Kind.WORKSHOP, "车间"),
                    (Department.Kind.PARTS, "配件部"),
                    (Department.Kind.SALES, "销售部"),
                    (Department.Kind.CUSTOMER_SERVICE, "客服部"),
                )
            )
        stores.append(store)
    return stores


# --- One chunk of one store: customers, vehicles, ownerships, repair orders ------------------

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
        # (id, customer id, vehicle id, repair type, status, opened, closed or None) of every
        # repair order, for tables that later modules hang off them (follow-ups, complaints).
        self.orders: list[tuple] = []

    # Plans ------------------------------------------------------------------------------------
    def plan(self, customer_ids: list[int], vehicle_ids: list[int], order_ids: list[int]):
        rng, demo, city = self.rng, self.demo, self.profile.city
        self.order_ids = order_ids
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
                orders.append((
                    order_id, customer.id, vehicle.id, kind, status, opened,
                    None if closed_text == NULL else closed,
                ))
                yield (
                    f"{order_id}\t{store_id}\tRO{number:03d}{day:%Y%m%d}{seq:06d}\t{customer.id}\t{vehicle.id}\t"
                    f"{kind}\t{status}\t{opened_text}\t{closed_text}\t{mileage}\t"
                    f"{choice(advisors)}\t{choice(technicians)}\t{amount}\t"
                    f"{'t' if random() < (0.4 if 'maint' in kind else 0.15) else 'f'}\t"
                    f"{choice(WORK_DONE[kind])}\t{choice(DECLINED) if random() < 0.12 else ''}\t"
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

    def customer_rows(self):
        store_id = self.profile.store.pk
        _, lapsing_from, churned_from = self.gen.loyalty_bounds
        loyal_min = LOYALTY_DEFAULTS["loyal_min_visits"]
        for c in self.customers:
            pinyin, initials, grams = search_keys(c.name)
            # The rule of customers.loyalty, so that refresh_loyalty() finds nothing to change.
            if c.last_visit is not None and c.last_visit < churned_from:
                tier = LoyaltyTier.CHURNED.value
            elif c.last_visit is not None and c.last_visit < lapsing_from:
                tier = LoyaltyTier.LAPSING.value
            elif c.recent >= loyal_min:
                tier = LoyaltyTier.LOYAL.value
            elif c.visits >= 2:
                tier = LoyaltyTier.REGULAR.value
            else:
                tier = LoyaltyTier.NEW.value
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

    def tables(self):
        """[(model, columns, lines)] in foreign-key order. The repair orders are generated
        first: they fill in the vehicles' mileage and the customers' loyalty fields."""
        orders = list(self.repair_order_rows())
        return [
            (Customer, CUSTOMER_COLUMNS, list(self.customer_rows())),
            (Vehicle, VEHICLE_COLUMNS, list(self.vehicle_rows())),
            (VehicleOwnership, OWNERSHIP_COLUMNS, list(self.ownership_rows())),
            (ServiceVisit, REPAIR_ORDER_COLUMNS, orders),
        ]


MAKES_BY_BRAND_PRICE = {make.brand: make.price for make in MAKES}

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


def copy_lines(cursor, model, columns, lines, batch=2000) -> int:
    """COPY text lines into the model's table, a batch of lines per write."""
    table = model._meta.db_table
    count = 0
    with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
        buffer = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= batch:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))
            count += len(buffer)
    return count


def reserve_ids(cursor, model, count: int) -> list[int]:
    """`count` ids from the table's identity sequence (safe alongside other writers)."""
    if not count:
        return []
    table = model._meta.db_table
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [f'"{table}"', count],
    )
    return [row[0] for row in cursor.fetchall()]


@contextlib.contextmanager
def loading_transaction():
    """A transaction with history triggers off and no statement timeout (see module doc)."""
    with contextlib.ExitStack() as stack:
        superuser = _is_superuser()
        if not superuser:
            stack.enter_context(pgtrigger.ignore())
        stack.enter_context(transaction.atomic())
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL synchronous_commit = off")
            if superuser:
                cursor.execute("SET LOCAL session_replication_role = replica")
        yield


@lru_cache(maxsize=None)
def _superuser_for(alias_and_db: tuple) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def _is_superuser() -> bool:
    return _superuser_for((connection.alias, connection.settings_dict["NAME"]))


# --- The whole group ------------------------------------------------------------------------

class GroupGenerator:
    def __init__(self, scale: float, seed=DEFAULT_SEED, log=None):
        self.plan = Plan.for_scale(scale)
        self.seed = seed
        self.log = log or (lambda message: None)
        now = timezone.now().replace(microsecond=0)
        self.now_epoch = int(now.timestamp())
        self.today = now.astimezone(SHANGHAI).date()
        # Loyalty cut-offs exactly as customers.loyalty computes them (calendar months, in UTC,
        # the session time zone Django uses).
        self.now = now
        self.loyalty_bounds = tuple(
            (now.astimezone(UTC) - relativedelta(months=months)).timestamp()
            for months in (
                LOYALTY_DEFAULTS["window_months"],
                LOYALTY_DEFAULTS["lapsing_after_months"],
                LOYALTY_DEFAULTS["churned_after_months"],
            )
        )

    def run(self) -> dict:
        started = time.perf_counter()
        stores = ensure_stores(self.plan.stores)
        touched = []
        for number, (store, target) in enumerate(zip(stores, self.plan.customers), start=1):
            done = Customer.objects.filter(store=store).count()
            if done >= target:
                continue
            store_started = time.perf_counter()
            self.generate_store(StoreProfile.build(number, store, self.seed), done, target)
            touched.append(store.pk)
            self.log(f"{store.code}: customers {done}→{target} in {time.perf_counter() - store_started:.1f}s")
        # Statistics first: without them the loyalty refresh plans badly (seconds a store).
        self.analyze(vacuum=bool(touched))
        if touched:
            self.refresh_loyalty(touched)
        return {**self.counts(), "seconds": round(time.perf_counter() - started, 1)}

    def generate_store(self, profile: StoreProfile, done: int, target: int):
        """Customers [done, target) of one store, a chunk per transaction.

        Two cores: a thread generates the next chunk's COPY lines (pure Python, no database)
        while this one streams the previous chunk into PostgreSQL, whose backend does the
        parsing and index work on the other core. Waiting on the socket releases the GIL."""
        with connection.cursor() as cursor:
            # Ids for the whole store up front, so the generating thread needs no database.
            customer_ids = reserve_ids(cursor, Customer, target - done)
            vehicle_ids = reserve_ids(cursor, Vehicle, vehicles_before(target) - vehicles_before(done))
            order_ids = reserve_ids(
                cursor, ServiceVisit,
                orders_before(vehicles_before(target)) - orders_before(vehicles_before(done)),
            )
        ranges = [
            (first, min(first + CHUNK_CUSTOMERS, target))
            for first in range(done, target, CHUNK_CUSTOMERS)
        ]
        v_done = vehicles_before(done)
        o_done = orders_before(v_done)
        stop = threading.Event()
        chunks: queue.Queue = queue.Queue(maxsize=2)

        def produce():
            try:
                for first, last in ranges:
                    if stop.is_set():
                        return
                    chunk = Chunk(self, profile, first, last)
                    chunk.plan(
                        customer_ids[first - done:last - done],
                        vehicle_ids[vehicles_before(first) - v_done:vehicles_before(last) - v_done],
                        order_ids[
                            orders_before(vehicles_before(first)) - o_done:
                            orders_before(vehicles_before(last)) - o_done
                        ],
                    )
                    chunks.put(chunk.tables())
                chunks.put(None)
            except BaseException as error:  # handed to the loading thread, which raises it
                chunks.put(error)

        producer = threading.Thread(target=produce, name=f"generate-{profile.store.code}", daemon=True)
        producer.start()
        try:
            while (tables := chunks.get()) is not None:
                if isinstance(tables, BaseException):
                    raise tables
                self.load_chunk(tables)
        finally:
            stop.set()
            with contextlib.suppress(queue.Empty):
                chunks.get_nowait()  # unblock a producer waiting to put
            producer.join(timeout=60)

    def load_chunk(self, tables):
        """One chunk's rows, table by table in foreign-key order, in one transaction."""
        with loading_transaction():
            with connection.connection.cursor() as cursor:
                for model, columns, lines in tables:
                    copy_lines(cursor, model, columns, lines)

    def refresh_loyalty(self, store_ids):
        """Checks the loyalty fields written during generation, store by store."""
        changed = 0
        for store_id in store_ids:
            with loading_transaction():
                changed += refresh_loyalty(store_ids=[store_id], now=self.now)
        self.log(f"loyalty refreshed: {changed} customers changed")

    def analyze(self, vacuum: bool):
        tables = [m._meta.db_table for m in (Store, Customer, Vehicle, VehicleOwnership, ServiceVisit)]
        # VACUUM also sets the visibility map, so index-only scans work on fresh data; it cannot
        # run inside a transaction (e.g. a test's), where plain ANALYZE does.
        command = "VACUUM (ANALYZE)" if vacuum and not connection.in_atomic_block else "ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            try:
                cursor.execute(f"{command} {', '.join(f'{chr(34)}{t}{chr(34)}' for t in tables)}")
            finally:
                cursor.execute("RESET statement_timeout")

    @staticmethod
    def counts() -> dict:
        stores = Store.objects.filter(code__startswith=PREFIX)
        return {
            "stores": stores.count(),
            "customers": Customer.objects.filter(store__in=stores).count(),
            "vehicles": Vehicle.objects.filter(store__in=stores).count(),
            "repair_orders": ServiceVisit.objects.filter(store__in=stores).count(),
        }


def generate_dealer_group(scale: float, seed=DEFAULT_SEED, log=None) -> dict:
    """Build (or top up) the dealer group at `scale`; returns the group's counts and seconds."""
    return GroupGenerator(scale, seed=seed, log=log).run()
