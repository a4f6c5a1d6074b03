"""Demo data: two stores, their departments and one user per role per store.

Idempotent: existing rows are found by their natural keys and left as they are (a changed
demo password stays changed). Later modules extend `seed_demo` with their own data.
"""
from django.contrib.auth.models import Group
from django.db import transaction
from django.core.management import call_command
from django.utils.module_loading import import_string

from .demo import DemoData
from .models import Department, Store, User
from .roles import ROLES, sync_roles

DEMO_PASSWORD = "demo-2026"

DEMO_STORES = [
    {
        "code": "bj",
        "name": "北京望京4S店",
        "address": "北京市朝阳区望京街10号",
        "phone": "010-64701234",
    },
    {
        "code": "sh",
        "name": "上海浦东4S店",
        "address": "上海市浦东新区张杨路500号",
        "phone": "021-58881234",
    },
]

DEMO_DEPARTMENTS = [
    (Department.Kind.WORKSHOP, "车间"),
    (Department.Kind.PARTS, "配件部"),
    (Department.Kind.SALES, "销售部"),
    (Department.Kind.CUSTOMER_SERVICE, "客服部"),
    (Department.Kind.FINANCE, "财务部"),
]

# Each module's demo data, given the demo stores; a later module appends its seeder here.
DEMO_SEEDERS = [
    "customers.seeding.seed_demo_customers", "visits.seeding.seed_demo_followups",
    "complaints.seeding.seed_demo_complaints", "kpi.seeding.seed_demo_kpis",
    "appointments.seeding.seed_demo_appointments", "visits.care.seeding.seed_demo_care",
]

# Which department each role works in; supervisors and agents sit in customer service.
ROLE_DEPARTMENT = {
    "advisor": Department.Kind.WORKSHOP,
    "cs_agent": Department.Kind.CUSTOMER_SERVICE,
    "cs_supervisor": Department.Kind.CUSTOMER_SERVICE,
    "dept_head": Department.Kind.WORKSHOP,
    "manager": None,
    "admin": None,
}


@transaction.atomic
def seed_demo():
    """Create the demo data if missing; return the demo users in a stable order."""
    sync_roles()
    names = DemoData(seed=2026)
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
    users = []
    stores = []
    for spec in DEMO_STORES:
        store, _ = Store.objects.get_or_create(code=spec["code"], defaults=spec)
        stores.append(store)
        departments = {}
        for kind, name in DEMO_DEPARTMENTS:
            departments[kind], _ = Department.objects.get_or_create(
                store=store, name=name, defaults={"kind": kind}
            )
        for role in ROLES.values():
            kind = ROLE_DEPARTMENT[role.name]
            user = _demo_user(
                f"{role.name}_{store.code}",
                email=f"{role.name}_{store.code}@demo.example.cn",
                full_name=names.person_name(),
                mobile=names.mobile(),
                group=groups[role.name],
                is_staff=role.is_staff,
                department=departments[kind] if kind else None,
            )
            user.stores.add(store)
            if role.name == "dept_head" and departments[kind].head_id is None:
                departments[kind].head = user
                departments[kind].save(update_fields=["head"])
            users.append(user)
    director = _demo_user(
        "director",
        full_name=names.person_name(),
        mobile=names.mobile(),
        group=groups["manager"],
        all_stores=True,
    )
    users.append(director)
    for seeder in DEMO_SEEDERS:
        import_string(seeder)(stores)
    call_command("seed_message_templates", verbosity=0)
    return users


def _demo_user(username, *, group, **fields):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, **fields)
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(group)
    return user
