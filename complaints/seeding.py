"""Demo data of the complaints module: each demo store's complaints of the last weeks in every
state, moved by the real services (the return-visit calls seeded before have already turned
their dissatisfactions into new complaints, left for the demo supervisor to triage)."""
import datetime as dt

from django.utils import timezone

from aftersales.models import User
from customers.models import Customer

from .models import Complaint
from .services import register_complaint

# (channel, category, severity, description, the state it reaches, days ago)
DEMO_COMPLAINTS = [
    ("phone", "repair_quality", "general", "保养后发动机有异响，怀疑机油没加够。", "closed", 20),
    ("walk_in", "waiting_time", "general", "预约了上午九点，十一点半才开始修车。", "closed", 16),
    ("manufacturer", "repair_quality", "major", "刹车异响返修两次仍未解决，客户向厂家投诉。", "reopened", 12),
    ("phone", "price", "general", "结算时多收了一项工时费，接待没有解释。", "answered", 6),
    ("email", "parts", "escalated", "订的原厂轮胎等了三周还没到货。", "assigned", 5),
    ("social_media", "service_attitude", "general", "客户在点评网站上说前台接待态度冷淡。", "assigned", 9),
    ("walk_in", "other", "general", "休息区空调太冷，没有热水。", "new", 1),
    ("phone", "repair_quality", "general", "重复登记：同一异响问题。", "cancelled", 11),
]
ANSWER = {
    "investigation": "调阅工单并与技师、接待面谈，试车复现问题。",
    "root_cause": "作业未按标准流程检查，交车前未复检。",
    "corrective_action": "返工处理，并对班组进行标准流程培训。",
    "resolution": "免费返修，赠送一次常规保养。",
}


def seed_demo_complaints(stores):
    for store in stores:
        if Complaint.objects.filter(store=store).exclude(channel="return_visit").exists():
            continue
        people = {u.username.rsplit("_", 1)[0]: u for u in User.objects.filter(stores=store)}
        supervisor, agent, head = people.get("cs_supervisor"), people.get("cs_agent"), people.get("dept_head")
        customers = list(Customer.objects.filter(store=store).order_by("pk")[: len(DEMO_COMPLAINTS)])
        if not (supervisor and agent and head and head.department_id and len(customers) == len(DEMO_COMPLAINTS)):
            continue
        for customer, spec in zip(customers, DEMO_COMPLAINTS):
            _seed_one(store, customer, spec, supervisor=supervisor, agent=agent, head=head)


def _seed_one(store, customer, spec, *, supervisor, agent, head):
    channel, category, severity, description, state, days_ago = spec
    moment = timezone.now() - dt.timedelta(days=days_ago)
    visit = customer.service_visits.order_by("-opened_at").first()
    complaint = register_complaint(store=store, customer=customer, channel=channel, category=category,
                                   severity=severity, description=description, by=agent, visit=visit, now=moment)
    if state == "cancelled":
        complaint.cancel(by=supervisor, reason="与前一条投诉重复", now=moment + dt.timedelta(hours=2))
        return
    if state == "new":
        return
    complaint.assign(by=supervisor, department=head.department, handler=head, now=moment + dt.timedelta(hours=3))
    if state == "assigned":
        return
    complaint.answer(by=head, now=moment + dt.timedelta(days=2), **ANSWER)
    if state == "answered":
        return
    if state == "reopened":
        complaint.record_callback(by=agent, satisfied=False, customer_words="还是有异响，希望换件。",
                                  now=moment + dt.timedelta(days=3))
        return
    complaint.record_callback(by=agent, satisfied=True, customer_words="问题已解决，感谢。",
                              now=moment + dt.timedelta(days=3))


def seed_demo_complaint_history(stores, *, months=12):
    """A few complaints in each earlier month, for the KPI module's trends: moved through the
    real loop, some late, some reopened. Stores with complaints older than two months are skipped."""
    import random

    rng = random.Random(2024)
    for store in stores:
        if Complaint.objects.filter(store=store, created_at__lt=timezone.now() - dt.timedelta(days=60)).exclude(
                channel="return_visit").exists():
            continue
        people = {u.username.rsplit("_", 1)[0]: u for u in User.objects.filter(stores=store)}
        supervisor, agent, head = people.get("cs_supervisor"), people.get("cs_agent"), people.get("dept_head")
        customers = list(Customer.objects.filter(store=store).order_by("-pk")[:60])
        if not (supervisor and agent and head and head.department_id and customers):
            continue
        for month in range(1, months + 1):
            for _n in range(rng.randint(1, 4)):
                # The manufacturer's complaint stays the one reopened of the recent weeks.
                spec = rng.choice([s for s in DEMO_COMPLAINTS if s[4] == "closed"])
                days_ago = 30 * month + rng.randint(0, 25)
                _seed_one(store, rng.choice(customers), (*spec[:5], days_ago),
                          supervisor=supervisor, agent=agent, head=head)
