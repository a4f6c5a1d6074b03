"""Factories for every test in the project, in one place."""
from datetime import timedelta

import factory
from django.utils import timezone
from django.contrib.auth.models import Group

from aftersales.demo import DemoData
from aftersales.models import Department, Store, User
from aftersales.roles import ROLES

TEST_PASSWORD = "correct-horse-42"
_names = DemoData(seed=7)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"s{n:03d}")
    name = factory.Sequence(lambda n: f"测试{n}号4S店")
    address = "北京市朝阳区测试路1号"
    phone = "010-12345678"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    store = factory.SubFactory(StoreFactory)
    kind = Department.Kind.WORKSHOP
    name = factory.Sequence(lambda n: f"车间{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyFunction(_names.person_name)
    mobile = factory.LazyFunction(_names.mobile)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def stores(self, create, extracted, **kwargs):
        if create and extracted:
            self.stores.set(extracted)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """`UserFactory(role="advisor")` puts the user in that role's group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if ROLES[extracted].is_staff:
                self.is_staff = True
        if create:
            self.save()


# --- Customer files --------------------------------------------------------------------------
class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Customer"

    store = factory.SubFactory(StoreFactory)
    name = factory.LazyFunction(_names.person_name)
    mobile = factory.LazyFunction(_names.mobile)


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Vehicle"

    owner = factory.SubFactory(CustomerFactory)
    store = factory.LazyAttribute(lambda vehicle: vehicle.owner.store)
    vin = factory.LazyFunction(_names.vin)
    plate = factory.LazyFunction(_names.plate)
    brand = "大众"
    model = "迈腾"


class ServiceVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.ServiceVisit"

    vehicle = factory.SubFactory(VehicleFactory)
    customer = factory.LazyAttribute(lambda visit: visit.vehicle.owner)
    store = factory.LazyAttribute(lambda visit: visit.vehicle.store)
    order_no = factory.Sequence(lambda n: f"RO{n:06d}")
    repair_type = "maintenance"
    status = "closed"
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    closed_at = factory.LazyAttribute(lambda visit: visit.opened_at + timedelta(hours=4))
    mileage = 20000
    amount = 800


# --- Follow-up calls ---------------------------------------------------------------------------
def _return_visit_rule(store, repair_type):
    from visits.models import FollowUpRule
    from visits.services import ensure_default_rules

    ensure_default_rules(store)
    return FollowUpRule.objects.get(store=store, trigger=FollowUpRule.Trigger.REPAIR_TYPE, repair_type=repair_type)


class FollowUpFactory(factory.django.DjangoModelFactory):
    """A pending return-visit call due on `due_on`, for a repair order of `repair_type` closed
    at 16:00 the rule's days before (as the morning job would have made it, so running the job
    later makes no second one). `FollowUpFactory(store=..., customer=..., due_on=...)`."""

    class Meta:
        model = "visits.FollowUp"

    class Params:
        repair_type = "maintenance"

    store = factory.SubFactory(StoreFactory)
    customer = factory.LazyAttribute(lambda f: CustomerFactory(store=f.store))
    vehicle = factory.LazyAttribute(lambda f: VehicleFactory(owner=f.customer))
    rule = factory.LazyAttribute(lambda f: _return_visit_rule(f.store, f.repair_type))
    offset_days = factory.LazyAttribute(lambda f: f.rule.offsets_days[0])
    due_on = factory.LazyFunction(timezone.localdate)
    expires_on = factory.LazyAttribute(lambda f: f.due_on + timedelta(days=f.rule.window_days))
    priority = factory.LazyAttribute(lambda f: f.rule.priority)
    visit = factory.LazyAttribute(
        lambda f: ServiceVisitFactory(
            vehicle=f.vehicle, repair_type=f.repair_type,
            opened_at=_local_datetime(f.due_on - timedelta(days=f.offset_days), 11),
            closed_at=_local_datetime(f.due_on - timedelta(days=f.offset_days), 16),
        )
    )


def _local_datetime(day, hour):
    from datetime import datetime, time

    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


# --- Complaints ------------------------------------------------------------------------------
ANSWER = {"investigation": "查了工单", "root_cause": "漏装卡扣", "corrective_action": "返工并培训",
          "resolution": "免费返修并赠送保养一次"}


def make_complaint(*, store, by, status="new", customer=None, department=None, now=None, **fields):
    """A complaint registered through the service and moved by the real transitions to
    `status` (new, assigned, answered, closed, cancelled). `by` needs a role that may do each
    move (a cs_supervisor may do them all)."""
    from complaints.services import register_complaint

    customer = customer or CustomerFactory(store=store)
    fields.setdefault("channel", "phone")
    fields.setdefault("category", "repair_quality")
    fields.setdefault("description", "换完刹车片还有异响")
    complaint = register_complaint(store=store, customer=customer, by=by, now=now, **fields)
    if status == "cancelled":
        return complaint.cancel(by=by, reason="重复登记", now=now)
    if status in ("assigned", "answered", "closed"):
        department = department or DepartmentFactory(store=store)
        complaint.assign(by=by, department=department, now=now)
    if status in ("answered", "closed"):
        complaint.answer(by=by, now=now, **ANSWER)
    if status == "closed":
        complaint.record_callback(by=by, satisfied=True, customer_words="满意", now=now)
    return complaint
