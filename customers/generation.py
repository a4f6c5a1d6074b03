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
- Return-visit calls (visits): every store gets seed 001's rules with a second call at 30 days
  (GROUP_CALL_OFFSETS), two cs_agent users (grp-001-cs1, -cs2), and for its repair orders the
  follow-ups the morning job would have created by today, worked as agents would have worked
  them (`CallPlanner`): about 2 a repair order (10M at scale 1), most done, a few hundred to a
  thousand a store still to call today or overdue, and about 1.3 call attempts a follow-up.
  Their counts are not exact: they depend on the dates drawn. A store generated before the
  calls existed gets them from its stored repair orders on the next run (`add_calls`).

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
import random
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import pgtrigger
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from aftersales.demo import PLATE_LETTERS, VIN_CHARS, YEAR_CODES, DemoData
from aftersales.models import Department, Store, User
from aftersales.roles import sync_roles
from visits.models import CallAttempt, FollowUp, FollowUpRule
from visits.services import ensure_default_rules

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
STAFF_AGENTS = 2  # customer-service agents (role cs_agent) who make the return-visit calls

# Return-visit calls (visits.FollowUp, visits.CallAttempt). The group's stores call a repair
# order back at the day of seed 001's rule and once more at 30 days (major overhauls keep their
# 10, 30, 90): about two calls a repair order, the design's 10M follow-ups for 5M orders. The
# offsets are set only on rules the generator creates; rules already there are used as they are.
GROUP_CALL_OFFSETS = {
    "maintenance": [3, 30],
    "minor_repair": [3, 30],
    "secondary_maintenance": [10, 30],
    "warranty": [3, 30],
    "accident": [3, 30],
}
# Draws from (value, cumulative share) tables. Calls whose window has passed: how they ended
# (the others are skipped for customers who must not be contacted, or cancelled with their
# repair order); the days after the due day the agents got to them; unanswered dials before a
# call was reached; dials of a call that expired; dials of a call still to be made.
ENDED = (("done", 0.84), ("unreachable", 0.91), ("expired", 1.0))
DELAY_DAYS = ((0, 0.75), (1, 0.95), (2, 1.0))
UNANSWERED_BEFORE_REACHED = ((0, 0.85), (1, 0.97), (2, 1.0))
DIALS_BEFORE_EXPIRED = ((0, 0.5), (1, 0.83), (2, 1.0))
DIALS_OF_PENDING = ((1, 0.67), (2, 1.0))
WRONG_NUMBERS = 0.25  # of the unreachable; the others did not answer MAX_ATTEMPTS times
# Calls still in their window: the chance one is still to be made, by days since it was due.
PENDING_BY_AGE = (1.0, 0.6, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1)
# A third of the cancelled repair orders had been closed and called for before they were
# cancelled (re-opened and cancelled): their call was cancelled with them.
CALLED_BEFORE_CANCELLED = 0.33
# Unanswered dials before a call is marked unreachable, and dials a day (CallPolicy defaults).
MAX_ATTEMPTS = 5
ATTEMPTS_PER_DAY = 3
RETRY_MINUTES = 120
NOTES = {
    "reached": ("", "", "", "客户表示满意", "客户对保养价格有疑问，已解释", "客户希望下次提前预约"),
    "no_answer": ("", "", "无人接听"),
    "busy": ("", "占线"),
    "wrong_number": ("空号", "号码不是本人"),
}

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
    # Return-visit calls: the store's rules by (trigger, repair type) and its agents' user ids.
    rules: dict = field(default_factory=dict)
    agents: tuple[int, ...] = ()

    @property
    def calls_per_order(self) -> int:
        """The most follow-ups one repair order can have under the store's rules."""
        declined = len(self.rules.get(("declined_work", ""), CallRule(0, (), 0, 0)).offsets)
        per_type = [len(rule.offsets) for (trigger, _), rule in self.rules.items() if trigger == "repair_type"]
        return max(per_type, default=0) + declined

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


@dataclass(frozen=True)
class CallRule:
    id: int
    offsets: tuple[int, ...]
    window: int
    priority: int


def ensure_call_rules(store: Store) -> dict[tuple[str, str], CallRule]:
    """The store's active return-visit rules (repair orders and declined work), created as
    seed 001's defaults with the group's second call (GROUP_CALL_OFFSETS) if it has none."""
    fresh = not FollowUpRule.objects.filter(store=store).exists()
    ensure_default_rules(store)
    if fresh:
        for repair_type, offsets in GROUP_CALL_OFFSETS.items():
            FollowUpRule.objects.filter(
                store=store, trigger=FollowUpRule.Trigger.REPAIR_TYPE, repair_type=repair_type
            ).update(offsets_days=offsets)
    rules = FollowUpRule.objects.filter(
        store=store, is_active=True,
        trigger__in=[FollowUpRule.Trigger.REPAIR_TYPE, FollowUpRule.Trigger.DECLINED_WORK],
    )
    return {
        (rule.trigger, rule.repair_type): CallRule(
            rule.pk, tuple(sorted(set(rule.offsets_days))), rule.window_days, rule.priority
        )
        for rule in rules
    }


def ensure_agents(store: Store, number: int, seed) -> tuple[int, ...]:
    """The store's customer-service agents grp-001-cs1 … (role cs_agent), who made the calls."""
    group = Group.objects.filter(name="cs_agent").first()
    if group is None:
        sync_roles()
        group = Group.objects.get(name="cs_agent")
    department = store.departments.filter(kind=Department.Kind.CUSTOMER_SERVICE).first()
    names = DemoData(seed=f"{seed}/{number}/agents")
    ids = []
    for n in range(1, STAFF_AGENTS + 1):
        name = names.person_name()
        user, created = User.objects.get_or_create(
            username=f"{store.code}-cs{n}", defaults={"full_name": name, "department": department}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.stores.add(store)
            user.groups.add(group)
        ids.append(user.pk)
    return tuple(ids)


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


class OrderRow(NamedTuple):
    """A generated repair order, as the tables hanging off repair orders need it."""
    id: int
    customer_id: int
    vehicle_id: int
    repair_type: str
    status: str
    opened: int  # Unix time
    closed: int | None
    declined: bool  # work was recommended and declined (a reminder call of its own)


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


# --- Return-visit calls of some repair orders -----------------------------------------------

def _local_day(epoch: float) -> dt.date:
    """The local (UTC+8) date of a Unix time."""
    return dt.date.fromordinal(int(epoch + 8 * 3600) // 86400 + 719163)


@dataclass
class Call:
    id: int
    order: OrderRow
    rule: CallRule
    offset: int
    due: dt.date
    expires: dt.date
    priority: int
    status: str = "pending"
    skip_reason: str = ""
    outcome: str = ""
    merged_into: int | None = None
    next_call_at: int | None = None
    attempt_count: int = 0
    finished: int | None = None
    created: int = 0
    attempts: list = field(default_factory=list)  # [(called at, outcome)]


class CallPlanner:
    """The follow-ups of some repair orders with their call attempts, as the morning job
    (`visits.services.create_followups`) and the agents would have left them by now.

    A call exists from its due day (created that morning) when it is due by today. Two calls to
    one customer on one day are one call, the first covering the other (`merged_into`), as the
    morning job merges them. Customers who must not be contacted are skipped; calls whose window
    has passed ended done, unreachable (five unanswered dials, or a wrong number) or expired; calls
    still in their window are mostly to be made, more of them the more recent (PENDING_BY_AGE),
    some after an unanswered dial. Dials keep the store's default call policy: in working hours,
    two hours or more apart, at most three a day. Customers who refused calls and the surveys of
    reached calls are not generated."""

    def __init__(self, gen: GroupGenerator, profile: StoreProfile, rng: random.Random):
        self.rng, self.random = rng, rng.random
        self.today, self.now = gen.today, gen.now_epoch
        self.store_id, self.agents = profile.store.pk, profile.agents
        declined = profile.rules.get(("declined_work", ""))
        self.declined = [(declined, offset) for offset in declined.offsets] if declined else []
        self.by_type = {
            repair_type: [(rule, offset) for offset in rule.offsets]
            for (trigger, repair_type), rule in profile.rules.items()
            if trigger == "repair_type"
        }

    def plan(self, orders, customers, warranty_ends, ids) -> tuple[list[str], list[str]]:
        """COPY lines (follow-ups, call attempts) of `orders` (OrderRow). `customers` maps a
        customer id to (must not be contacted, loyal), `warranty_ends` a vehicle id to its
        warranty end; `ids` yields the follow-ups' ids."""
        calls = self._calls(orders, customers, warranty_ends, ids)
        primaries = {}
        for call in calls:
            call.created = self._morning(call.due)
            if call.order.status == "cancelled":
                call.status = "cancelled"
                call.finished = min(call.created + 3600 + self._below(7 * 3600), self.now - 60)
            elif customers[call.order.customer_id][0]:
                call.status, call.skip_reason, call.finished = "skipped", "do_not_contact", call.created
            elif (primary := primaries.setdefault((call.order.customer_id, call.due), call)) is not call:
                call.merged_into, call.created = primary.id, primary.created
                primary.priority = max(primary.priority, call.priority)
        for call in primaries.values():
            self._work(call)
        for call in calls:
            if call.merged_into is not None:  # follows the call that covers it
                primary = primaries[(call.order.customer_id, call.due)]
                call.status, call.outcome, call.finished = primary.status, primary.outcome, primary.finished
        return self._lines(calls)

    def _calls(self, orders, customers, warranty_ends, ids) -> list[Call]:
        today, calls = self.today, []
        for order in orders:
            if order.status == "closed":
                closed_on = _local_day(order.closed)
                rules = self.by_type.get(order.repair_type, []) + (self.declined if order.declined else [])
            elif order.status == "cancelled" and self.random() < CALLED_BEFORE_CANCELLED:
                closed_on = _local_day(order.opened)
                rules = self.by_type.get(order.repair_type, [])[:1]
            else:
                continue
            for rule, offset in rules:
                due = closed_on + dt.timedelta(days=offset)
                if due > today:  # the morning job has not come to it yet
                    continue
                # The morning job's priority: the rule's, plus one in warranty, one if loyal.
                priority = (
                    rule.priority + (warranty_ends[order.vehicle_id] >= due) + customers[order.customer_id][1]
                )
                expires = due + dt.timedelta(days=rule.window)
                calls.append(Call(next(ids), order, rule, offset, due, expires, priority))
        return calls

    def _draw(self, table):
        x = self.random()
        for value, upto in table:
            if x < upto:
                return value
        return table[-1][0]

    def _below(self, n: int) -> int:
        return int(self.random() * n)

    def _morning(self, day: dt.date) -> int:
        """When the morning job ran on `day` (05:00–05:30 local, and not after now)."""
        return min(_local_epoch(day, 300 + self._below(30)) + self._below(60), self.now - 60)

    def _work(self, call: Call):
        random, today = self.random, self.today
        age = (today - call.due).days
        if call.expires < today:  # the window has passed: the call has ended one way or another
            ended = self._draw(ENDED)
            start = call.due + dt.timedelta(days=self._draw(DELAY_DAYS))
            if ended != "expired" and self._end(call, ended, start):
                return
            # Dialled a few times at most, then expired by the morning job after its window.
            self._dial(call, start, self._draw(DIALS_BEFORE_EXPIRED))
            call.status, call.finished = "expired", self._morning(call.expires + dt.timedelta(days=1))
            return
        if random() >= PENDING_BY_AGE[min(age, len(PENDING_BY_AGE) - 1)]:
            start = call.due + dt.timedelta(days=self._below(age + 1))
            if self._end(call, "done" if random() < 0.9 else "unreachable", start):
                return
        if age >= 1 and random() < 0.35:  # dialled on an earlier day, to be dialled again
            self._dial(call, call.due + dt.timedelta(days=self._below(age)), self._draw(DIALS_OF_PENDING))
        elif age == 0 and random() < 0.1:  # dialled earlier today
            called = self.now - 300 - self._below(3 * 3600)
            if called >= call.created and _local_day(called) == today and (
                9 * 3600 <= (called + 8 * 3600) % 86400 < 18 * 3600
            ):
                call.attempts = [(called, self._unanswered())]
                call.attempt_count = 1
        if call.attempts:
            call.next_call_at = call.attempts[-1][0] + RETRY_MINUTES * 60

    def _end(self, call: Call, ended: str, start: dt.date) -> bool:
        """Dial the call from `start` until it ends `ended`; False (and nothing changed) when
        that would take it past now or past its window."""
        if ended == "done":
            unanswered = self._draw(UNANSWERED_BEFORE_REACHED)
            outcomes = [self._unanswered() for _ in range(unanswered)] + ["reached"]
            outcome, count = "reached", unanswered
        elif self.random() < WRONG_NUMBERS:
            outcomes, outcome, count = ["wrong_number"], "wrong_number", 0
        else:
            outcomes = [self._unanswered() for _ in range(MAX_ATTEMPTS)]
            outcome, count = "no_answer", MAX_ATTEMPTS
        times = self._times(start, len(outcomes))
        if times[0] < call.created or times[-1] > self.now - 60 or _local_day(times[-1]) > call.expires:
            return False
        call.attempts = list(zip(times, outcomes))
        call.status = "done" if ended == "done" else "unreachable"
        call.outcome, call.attempt_count, call.finished = outcome, count, times[-1]
        return True

    def _dial(self, call: Call, start: dt.date, count: int):
        """`count` unanswered dials from `start`, all before today."""
        times = self._times(start, count) if count else []
        if times and times[0] >= call.created and _local_day(times[-1]) < self.today:
            call.attempts = [(called, self._unanswered()) for called in times]
            call.attempt_count = count

    def _times(self, day: dt.date, count: int) -> list[int]:
        """`count` dial times from `day` on, in working hours, RETRY_MINUTES or more apart and
        at most ATTEMPTS_PER_DAY a day."""
        below, times = self._below, []
        while len(times) < count:
            epoch = _local_epoch(day, 9 * 60 + below(150))
            for _ in range(min(ATTEMPTS_PER_DAY, count - len(times))):
                times.append(epoch + below(60))
                epoch += (RETRY_MINUTES + below(60)) * 60
            day += dt.timedelta(days=1)
        return times

    def _unanswered(self) -> str:
        return "no_answer" if self.random() < 0.75 else "busy"

    def _lines(self, calls: list[Call]) -> tuple[list[str], list[str]]:
        store_id, random, choice = self.store_id, self.random, self.rng.choice
        followups, attempts = [], []
        for call in calls:
            order = call.order
            followups.append(
                f"{call.id}\t{store_id}\t{order.customer_id}\t{order.vehicle_id}\t{order.id}\t{call.rule.id}\t"
                f"{call.offset}\t{call.due.isoformat()}\t{call.expires.isoformat()}\t{call.priority}\t"
                f"{call.status}\t{call.skip_reason}\t{call.outcome}\t"
                f"{NULL if call.merged_into is None else call.merged_into}\t"
                f"{NULL if call.next_call_at is None else _ts(call.next_call_at)}\t{call.attempt_count}\t"
                f"{NULL if call.finished is None else _ts(call.finished)}\t{_ts(call.created)}\n"
            )
            if call.attempts:
                agent = choice(self.agents)  # one agent makes a call, mostly
                for called, outcome in call.attempts:
                    if random() < 0.1:
                        agent = choice(self.agents)
                    attempts.append(
                        f"{store_id}\t{call.id}\t{agent}\t{_ts(called)}\t{outcome}\t{choice(NOTES[outcome])}\n"
                    )
        return followups, attempts


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
FOLLOWUP_COLUMNS = (
    "id", "store_id", "customer_id", "vehicle_id", "visit_id", "rule_id", "offset_days", "due_on",
    "expires_on", "priority", "status", "skip_reason", "outcome", "merged_into_id", "next_call_at",
    "attempt_count", "finished_at", "created_at",
)
# The attempt's id comes from its identity column: nothing generated refers to an attempt.
CALL_ATTEMPT_COLUMNS = ("store_id", "followup_id", "agent_id", "called_at", "outcome", "note")


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
            if done and not CallAttempt.objects.filter(store=store).exists():
                # Generated before the return-visit calls were: add them to what is there.
                store_started = time.perf_counter()
                self.add_calls(self.profile(number, store))
                touched.append(store.pk)
                self.log(f"{store.code}: calls added in {time.perf_counter() - store_started:.1f}s")
            if done >= target:
                continue
            store_started = time.perf_counter()
            self.generate_store(self.profile(number, store), done, target)
            touched.append(store.pk)
            self.log(f"{store.code}: customers {done}→{target} in {time.perf_counter() - store_started:.1f}s")
        # Statistics first: without them the loyalty refresh plans badly (seconds a store).
        self.analyze(vacuum=bool(touched))
        if touched:
            self.refresh_loyalty(touched)
        return {**self.counts(), "seconds": round(time.perf_counter() - started, 1)}

    def profile(self, number: int, store: Store) -> StoreProfile:
        profile = StoreProfile.build(number, store, self.seed)
        profile.rules = ensure_call_rules(store)
        profile.agents = ensure_agents(store, number, self.seed)
        return profile

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
            # As many as the orders could have (about half are used; the sequence is bigint).
            per_order = profile.calls_per_order
            followup_ids = reserve_ids(cursor, FollowUp, per_order * len(order_ids))
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
                        followup_ids[
                            per_order * (orders_before(vehicles_before(first)) - o_done):
                            per_order * (orders_before(vehicles_before(last)) - o_done)
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

    def add_calls(self, profile: StoreProfile):
        """The return-visit calls of a store generated without them, from its repair orders as
        they are in the database, a chunk of customers at a time, in one transaction."""
        store_id = profile.store.pk
        customer_ids = list(
            Customer.objects.filter(store_id=store_id).order_by("pk").values_list("pk", flat=True)
        )
        with loading_transaction(), connection.connection.cursor() as cursor:
            for start in range(0, len(customer_ids), CHUNK_CUSTOMERS):
                chunk = customer_ids[start:start + CHUNK_CUSTOMERS]
                cursor.execute(
                    """
                    SELECT v.id, v.customer_id, v.vehicle_id, v.repair_type, v.status,
                           extract(epoch FROM v.opened_at)::bigint, extract(epoch FROM v.closed_at)::bigint,
                           v.declined_work <> '', c.do_not_contact, c.loyalty_tier = 'loyal', ve.warranty_end
                    FROM customers_servicevisit v
                    JOIN customers_customer c ON c.id = v.customer_id
                    JOIN customers_vehicle ve ON ve.id = v.vehicle_id
                    WHERE v.store_id = %s AND v.customer_id BETWEEN %s AND %s
                    ORDER BY v.vehicle_id, v.opened_at, v.id
                    """,
                    [store_id, chunk[0], chunk[-1]],
                )
                rows = cursor.fetchall()
                orders = [OrderRow(*row[:8]) for row in rows]
                customers = {row[1]: (row[8], row[9]) for row in rows}
                warranty_ends = {row[2]: row[10] or dt.date.min for row in rows}
                ids = reserve_ids(cursor, FollowUp, profile.calls_per_order * len(orders))
                planner = CallPlanner(self, profile, random.Random(f"{self.seed}/{profile.number}/{chunk[0]}/calls"))
                followups, attempts = planner.plan(orders, customers, warranty_ends, iter(ids))
                copy_lines(cursor, FollowUp, FOLLOWUP_COLUMNS, followups)
                copy_lines(cursor, CallAttempt, CALL_ATTEMPT_COLUMNS, attempts)

    def refresh_loyalty(self, store_ids):
        """Checks the loyalty fields written during generation, store by store."""
        changed = 0
        for store_id in store_ids:
            with loading_transaction():
                changed += refresh_loyalty(store_ids=[store_id], now=self.now)
        self.log(f"loyalty refreshed: {changed} customers changed")

    def analyze(self, vacuum: bool):
        tables = [
            m._meta.db_table
            for m in (Store, Customer, Vehicle, VehicleOwnership, ServiceVisit, FollowUp, CallAttempt)
        ]
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
            "followups": FollowUp.objects.filter(store__in=stores).count(),
            "call_attempts": CallAttempt.objects.filter(store__in=stores).count(),
        }


def generate_dealer_group(scale: float, seed=DEFAULT_SEED, log=None) -> dict:
    """Build (or top up) the dealer group at `scale`; returns the group's counts and seconds."""
    return GroupGenerator(scale, seed=seed, log=log).run()
