"""Demo customers for `seed_demo`: a few hundred customers with vehicles and repair orders over
the last 18 months, per demo store. Deterministic and idempotent (skipped once present)."""
import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from aftersales.demo import DemoData
from aftersales.planner import refresh_statistics

from .loyalty import refresh_loyalty
from .models import Customer, CustomerConsent, ServiceVisit, Vehicle, VehicleOwnership
from .models.service import RepairType

CUSTOMERS_PER_STORE = 150
BRANDS = [
    ("大众", ["迈腾", "帕萨特", "速腾", "途观L", "朗逸"]),
    ("丰田", ["凯美瑞", "卡罗拉", "RAV4荣放", "汉兰达"]),
    ("本田", ["雅阁", "思域", "CR-V"]),
    ("比亚迪", ["汉EV", "宋PLUS DM-i", "秦PLUS"]),
]
# Routine maintenance dominates a workshop's orders; overhauls and recalls are rare.
TYPE_WEIGHTS = [
    (RepairType.MAINTENANCE, 50), (RepairType.MINOR_REPAIR, 20), (RepairType.SECONDARY_MAINTENANCE, 6),
    (RepairType.WARRANTY, 8), (RepairType.ACCIDENT, 8), (RepairType.MAJOR_OVERHAUL, 3),
    (RepairType.RECALL, 5),
]
DECLINED = ["建议更换刹车片", "建议更换空调滤芯", "建议四轮定位", "建议更换雨刮片", "建议清洗节气门"]


@transaction.atomic
def seed_demo_customers(stores):
    for store in stores:
        if Customer.objects.filter(store=store).exists():
            continue
        _seed_store(store, random.Random(f"demo-{store.code}"), DemoData(seed=f"names-{store.code}"))
    refresh_statistics(Customer, CustomerConsent, Vehicle, VehicleOwnership, ServiceVisit)
    refresh_loyalty(store_ids=[store.pk for store in stores])


def _seed_store(store, rng, demo):
    advisors = list(get_user_model().objects.filter(stores=store, groups__name="advisor"))
    now = timezone.now()
    for number in range(CUSTOMERS_PER_STORE):
        customer = Customer.objects.create(
            store=store, name=demo.person_name(), mobile=demo.mobile(),
            gender=rng.choice(["male", "female", ""]), source=rng.choice(["walk_in", "sales", "dms"]),
        )
        if rng.random() < 0.7:
            CustomerConsent.objects.create(
                customer=customer, channel="sms", granted=True, method="signed_form",
                recorded_at=now - timedelta(days=rng.randint(30, 500)),
            )
        if rng.random() < 0.3:
            CustomerConsent.objects.create(
                customer=customer, channel="marketing", granted=rng.random() < 0.6, method="signed_form",
                recorded_at=now - timedelta(days=rng.randint(30, 500)),
            )
        for _vehicle in range(2 if rng.random() < 0.1 else 1):
            brand, models = rng.choice(BRANDS)
            purchase = (now - timedelta(days=rng.randint(200, 2500))).date()
            vehicle = Vehicle.objects.create(
                store=store, owner=customer, vin=demo.vin(),
                plate=demo.plate(new_energy=brand == "比亚迪"), brand=brand, model=rng.choice(models),
                model_year=purchase.year, purchase_date=purchase, bought_here=rng.random() < 0.6,
                warranty_end=purchase + timedelta(days=3 * 365),
                compulsory_insurance_due=(now + timedelta(days=rng.randint(-30, 330))).date(),
                commercial_insurance_due=(now + timedelta(days=rng.randint(-30, 330))).date(),
            )
            VehicleOwnership.objects.create(vehicle=vehicle, customer=customer, started_on=purchase)
            _seed_visits(store, vehicle, customer, advisors, rng, now, number)


def _seed_visits(store, vehicle, customer, advisors, rng, now, number):
    mileage = rng.randint(3_000, 40_000)
    opened = now - timedelta(days=rng.randint(400, 545))
    for _visit in range(rng.choice([0, 1, 2, 3, 4, 5])):
        opened += timedelta(days=rng.randint(30, 160))
        if opened > now:
            break
        mileage += rng.randint(2_000, 9_000)
        repair_type = rng.choices([t for t, _w in TYPE_WEIGHTS], [w for _t, w in TYPE_WEIGHTS])[0]
        still_open = opened > now - timedelta(days=2)
        advisor = rng.choice(advisors) if advisors else None
        ServiceVisit.objects.create(
            store=store, order_no=f"RO{opened:%Y%m%d}{store.code.upper()}{number:03d}{rng.randint(10, 99)}",
            customer=customer, vehicle=vehicle, repair_type=repair_type,
            status=ServiceVisit.Status.OPEN if still_open else ServiceVisit.Status.CLOSED,
            opened_at=opened, closed_at=None if still_open else opened + timedelta(hours=rng.randint(2, 30)),
            mileage=mileage, advisor=advisor, advisor_name=str(advisor) if advisor else "",
            technician_name=DemoData(seed=rng.randint(0, 999)).person_name(),
            amount=Decimal(rng.randint(300, 6000)), from_appointment=rng.random() < 0.4,
            declined_work=rng.choice(DECLINED) if rng.random() < 0.2 else "",
        )
    Vehicle.objects.filter(pk=vehicle.pk).update(mileage=mileage)
