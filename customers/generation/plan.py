"""The plan of the dealer group: its size at a scale, the reference data rows are drawn from,
and its stores with the profile (city, make, staff, call rules) every chunk of a store shares."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from aftersales.demo import DemoData
from aftersales.models import Department, Store
from visits.generation import calls_per_order

from ..models.service import RepairType
from ..normalize import name_grams, name_initials, name_pinyin

PREFIX = "grp-"
DEFAULT_SEED = 2026
STORES_AT_SCALE_1 = 50
CUSTOMERS_AT_SCALE_1 = 1_000_000
HISTORY_DAYS = 3 * 365 + 1
# Every store's first customer: a fleet account whose two cars come in often.
REGULAR_ORDERS_PER_VEHICLE = 15


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


@lru_cache(maxsize=200_000)
def search_keys(name: str) -> tuple[str, str, str]:
    """(pinyin, initials, grams as a COPY array literal); names repeat a lot, pypinyin is slow."""
    grams = ",".join(f'"{gram}"' for gram in name_grams(name))
    return name_pinyin(name), name_initials(name), "{" + grams + "}"


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
        return calls_per_order(self.rules)

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


MAKES_BY_BRAND_PRICE = {make.brand: make.price for make in MAKES}
