"""The people the generated complaints go to: a store's supervisor, manager and department heads."""
from dataclasses import dataclass

from django.contrib.auth.models import Group

from aftersales.demo import DemoData
from aftersales.models import Store, User
from aftersales.roles import sync_roles

from .mix import EMAIL_DOMAIN, HEADED


@dataclass(frozen=True)
class Staff:
    agents: tuple[int, ...]
    supervisor: int
    manager: int
    departments: dict  # kind → department id
    heads: dict  # department id → head's user id


def ensure_complaint_staff(store: Store, number: int, seed, agents: tuple[int, ...]) -> Staff:
    """The store's supervisor, manager and department heads (made once), and its departments."""
    if not Group.objects.filter(name="dept_head").exists():
        sync_roles()
    groups = {g.name: g for g in Group.objects.filter(name__in=["cs_supervisor", "manager", "dept_head"])}
    departments = {d.kind: d for d in store.departments.order_by("pk")}
    names = DemoData(seed=f"{seed}/{number}/complaint-staff")

    def person(suffix, role, department=None):
        name = names.person_name()
        username = f"{store.code}-{suffix}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": name, "department": department, "email": f"{username}@{EMAIL_DOMAIN}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.stores.add(store)
            user.groups.add(groups[role])
        return user

    supervisor = person("sup1", "cs_supervisor", departments.get("customer_service"))
    manager = person("mgr1", "manager")
    heads = {}
    for kind in HEADED:
        if kind in departments:
            head = person(f"head-{kind}", "dept_head", departments[kind])
            heads[kind] = head
    if "customer_service" in departments:
        heads["customer_service"] = supervisor
    for kind, head in heads.items():
        department = departments[kind]
        if department.head_id is None:
            department.head = head
            department.save(update_fields=["head"])
    return Staff(
        agents=agents or (supervisor.pk,),
        supervisor=supervisor.pk,
        manager=manager.pk,
        departments={kind: d.pk for kind, d in departments.items()},
        heads={departments[kind].pk: (departments[kind].head_id or head.pk) for kind, head in heads.items()},
    )
