"""The complaints of the dealer-group data set (`customers.generation`): half a complaint a
customer (500,000 at scale 1, 10,000 a store), drawn from the store's repair orders as stored,
after its customers are complete (`add_complaints`, a step of `GroupGenerator.run`).

- Staff: every store gets a customer-service supervisor (grp-001-sup1), an after-sales manager
  (grp-001-mgr1) and heads of its workshop, parts and sales departments (grp-001-head-workshop
  …), with e-mail addresses, so the escalation job has someone to tell; the supervisor heads
  the customer-service department. The agents are the return-visit ones (`visits.generation`).
- 95% are finished: closed after the full loop (new → assigned → answered → closed, one round
  in ten with a second round after an unhappy callback, a few with a third) or cancelled as
  invalid or as a duplicate of the customer's complaint of a few days before. 5% are open
  (new, with the department, or answered and waiting for the callback), mostly registered in
  the last days, with the deadline of their step computed by `complaints.deadlines` and the
  escalation level the escalation job would have reached by now (about a fifth are overdue).
- Care calls (`visits`): the calls the morning job makes 30, 60 and 90 days after a complaint
  (`CarePlanner`), worked as the return-visit calls are.
- Every move is a `ComplaintTransition` (who, when, from, to, note), as the state machine
  writes them; `closed_at` is the last one of a finished complaint.
- Numbers are `<STORE CODE>-<year>-<seq:05d>` in order of registration per store and local
  year, and `ComplaintSequence` holds the last one, so complaints registered later go on from
  there. A top-up (a larger scale) numbers its complaints after those already there.
- Mixes: channel (phone, return-visit calls and walk-ins first), category (repair quality
  first), severity (mostly general; a customer's third complaint within a year is escalated,
  as `register_complaint` does), the responsible department by category. Complaints about a
  sale name no repair order; the others mostly name the one they are about, whose advisor or
  technician is the staff concerned. Registered by an agent or the supervisor, or by nobody
  when filed online. Some customers complain again about the same or a later repair order.

Loaded by COPY in one transaction a store, with the history triggers off (see
`customers.generation.common`). Drawn from a generator seeded by (seed, store, complaints
already there), so a store's complaints are the same on every machine.
"""
from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group
from django.db import connection

from aftersales.demo import DemoData
from aftersales.models import Store, User
from aftersales.roles import sync_roles
from customers.generation.common import NULL, _ts, copy_lines, loading_transaction, reserve_ids

from ..calendar import WorkingCalendar
from ..deadlines import next_escalation, step_deadline
from ..models import Complaint, ComplaintTransition, DeadlinePolicy
from .care_calls import add_care_calls

if TYPE_CHECKING:
    from customers.generation.generator import GroupGenerator

COMPLAINTS_PER_CUSTOMER = 0.5
OPEN_SHARE = 0.05
CANCELLED_SHARE = 0.04  # of the finished ones; half of them duplicates
REPEAT_SHARE = 0.08  # of the closed ones: the customer complains again later
HOUR, DAY = 3600, 86400
EMAIL_DOMAIN = "dealer.example"

# (value, cumulative weight)
CHANNELS = (("phone", 34), ("walk_in", 52), ("return_visit", 74), ("online", 82), ("email", 85),
            ("social_media", 90), ("manufacturer", 100))
CATEGORIES = (("repair_quality", 30), ("waiting_time", 47), ("service_attitude", 64), ("price", 79),
              ("parts", 89), ("sales", 94), ("other", 100))
SEVERITIES = (("general", 84), ("escalated", 97), ("major", 100))
OPEN_STATUSES = (("new", 20), ("assigned", 70), ("answered", 100))
# How long an open complaint has waited in its step, in hours (low, high, cumulative weight):
# about a quarter past the deadline (24 hours, 3 working days, 1 working day).
STEP_AGE_HOURS = {
    "new": ((0.2, 20, 75), (24, 72, 100)),
    "assigned": ((1, 72, 75), (96, 288, 100)),
    "answered": ((1, 20, 75), (48, 144, 100)),
}
ROUNDS = ((1, 88), (2, 98), (3, 100))
# Department kind by category (a second kind with its share).
DEPARTMENT_OF = {
    "repair_quality": ("workshop", None, 0),
    "waiting_time": ("workshop", "customer_service", 0.2),
    "service_attitude": ("workshop", "customer_service", 0.4),
    "price": ("workshop", "customer_service", 0.3),
    "parts": ("parts", None, 0),
    "sales": ("sales", None, 0),
    "other": ("customer_service", None, 0),
}
HEADED = ("workshop", "parts", "sales")

DESCRIPTIONS = {
    "repair_quality": (
        "保养后发动机有异响，回店检查后仍未解决", "更换刹车片后刹车时有尖锐异响", "空调维修后仍然不制冷",
        "维修后发动机故障灯再次亮起", "四轮定位后方向盘仍然跑偏", "钣喷后车门颜色与原车有色差",
        "更换机油后发现机油渗漏", "车辆维修后车内有明显异味",
    ),
    "waiting_time": (
        "预约了保养，到店后仍等待两个多小时", "承诺下午四点交车，拖到晚上七点才交",
        "配件等待时间过长，车辆停厂一周多", "接待区排队时间太长，无人引导", "结算排队时间过长",
    ),
    "service_attitude": (
        "服务顾问态度冷淡，问题解释不清楚", "多次致电服务热线无人接听", "接车时未做环车检查，态度敷衍",
        "前台人员说话生硬，不耐烦", "服务顾问未经同意挪动车内物品",
    ),
    "price": (
        "结算金额比报价高出三百多元", "未经同意增加维修项目并收费", "工时费收费不透明，无明细",
        "保养套餐价格与宣传不符", "质保期内的维修被要求付费",
    ),
    "parts": (
        "怀疑更换的配件不是原厂件", "配件缺货，多次预约都无法维修", "旧件未按要求交还客户",
        "新换的蓄电池不到一个月就亏电", "订购的配件迟迟不到货",
    ),
    "sales": (
        "购车时承诺的赠品至今未兑现", "新车交付时发现漆面有划痕", "上牌手续一拖再拖",
        "贷款手续费与合同约定不符", "交车时随车工具不全",
    ),
    "other": (
        "停车场内车辆被刮蹭", "客户休息区卫生差", "发票开具错误，多次要求重开", "会员积分未到账",
        "代步车安排不到位",
    ),
}
INVESTIGATIONS = (
    "调取维修记录并与当班技师核实", "查看接待区监控并询问当班人员", "邀请客户回店复检车辆",
    "核对结算单、报价单与客户签字的委托书", "与配件部核对订货及到货记录", "电话了解客户详细诉求并现场核实",
)
ROOT_CAUSES = {
    "repair_quality": ("技师未按作业标准紧固", "故障诊断不彻底，只处理了表面问题", "质检环节漏检"),
    "waiting_time": ("当日进厂车辆超出产能", "预约未按时段分流，集中在上午高峰", "配件未提前备货"),
    "service_attitude": ("服务顾问沟通技巧不足", "高峰时段人手不足，未及时回应", "服务流程执行不到位"),
    "price": ("增项未经客户签字确认", "报价时遗漏工时费", "收费标准未向客户解释清楚"),
    "parts": ("配件供应商延迟发货", "库存信息更新不及时", "旧件交还流程未执行"),
    "sales": ("销售顾问承诺超出政策范围", "交车前检查(PDI)不细致", "手续办理环节衔接不畅"),
    "other": ("现场管理不到位", "财务开票信息录入错误", "积分系统同步延迟"),
}
CORRECTIVE_ACTIONS = (
    "对相关人员进行培训并纳入月度考核", "修订作业标准，增加质检复核环节", "调整预约时段，高峰期增派人手",
    "增项必须经客户签字确认后施工", "与供应商约定到货时限并每日跟踪",
)
RESOLUTIONS = (
    "免费返修并赠送一次常规保养", "退还多收费用并致歉", "赠送工时费代金券200元", "免费更换原厂配件",
    "上门致歉并提供免费代步车", "重新开具发票并快递给客户", "安排专人跟进，优先预约",
)
ASSIGN_NOTES = ("", "", "", "请尽快核实处理", "客户情绪较大，请优先处理")
SATISFIED_WORDS = ("满意", "问题已解决，满意", "处理及时，谢谢", "基本满意", "满意，希望以后注意")
UNHAPPY_WORDS = ("问题仍未解决", "异响依旧，希望再次检查", "对补偿方案不满意", "要求退还多收的费用",
                 "希望店长出面给个说法")
INVALID_REASONS = ("客户撤回投诉", "非本店业务，已转交相关单位", "经核实不属于投诉，已解释说明")
REGISTERED = "已登记"  # the note register_complaint writes, in the UI's first language

# Delays in hours: (low, high, cumulative weight).
ACK_HOURS = ((0.1, 2, 45), (2, 8, 75), (8, 24, 92), (24, 72, 100))
ANSWER_HOURS = ((3, 24, 40), (24, 72, 85), (72, 168, 100))
CALLBACK_HOURS = ((1, 8, 55), (8, 30, 90), (30, 72, 100))


def complaints_for(customers: int) -> int:
    """A store's complaints at its number of customers (10,000 for 20,000 at scale 1)."""
    return int(customers * COMPLAINTS_PER_CUSTOMER)


@dataclass(frozen=True)
class Staff:
    agents: tuple[int, ...]
    supervisor: int
    manager: int
    departments: dict  # kind → department id
    heads: dict  # department id → head's user id


@dataclass
class Planned:
    customer_id: int
    order: tuple | None  # the repair order (a row of the orders `StorePlanner` reads), or none
    category: str
    created: int
    status: str = "closed"
    channel: str = "phone"
    severity: str = "general"
    id: int = 0
    number: str = ""
    created_by: int | None = None
    department_id: int | None = None
    handler_id: int | None = None
    rounds: int = 0
    description: str = ""
    staff_concerned: str = ""
    answered: bool = False
    feedback: str = ""
    duplicate_of: Planned | None = None
    steps: list = field(default_factory=list)  # an open one's moves after registration
    # [(at, from status, to status, actor, note)]
    moves: list = field(default_factory=list)
    due: int | None = None
    level: int = 0
    escalate_at: int | None = None


def _draw(rng, table):
    x = rng.random() * table[-1][-1]
    for row in table:
        if x < row[-1]:
            return row[0] if len(row) == 2 else row
    return table[-1][0] if len(table[-1]) == 2 else table[-1]


def _hours(rng, table) -> int:
    low, high, _ = _draw(rng, table)
    return int(rng.uniform(low, high) * HOUR)


def _local_year(epoch: int) -> int:
    return dt.date.fromordinal(int(epoch + 8 * HOUR) // DAY + 719163).year


def _moment(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)


# --- Staff ------------------------------------------------------------------------------------

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


# --- Planning ---------------------------------------------------------------------------------

class StorePlanner:
    """`count` new complaints of one store, from its repair orders (`orders`: rows of id,
    customer id, opened, closed, status, advisor, technician, ordered by id)."""

    def __init__(self, gen: GroupGenerator, store: Store, staff: Staff, rng: random.Random, orders,
                 earlier=(), sequences=None):
        self.gen, self.store, self.staff, self.rng = gen, store, staff, rng
        self.now = gen.now_epoch
        self.orders = orders
        # (time the complaint could be made about it from, row), in time order, for sampling by time.
        self.by_time = sorted(((o[3] or o[2]), n) for n, o in enumerate(orders))
        self.times = [t for t, _ in self.by_time]
        self.by_customer = {}
        for o in orders:
            self.by_customer.setdefault(o[1], []).append(o)
        self.earlier = list(earlier)  # (customer id, created, status) already stored
        self.sequences = dict(sequences or {})
        self.policies = DeadlinePolicy.for_store(store.pk)

    # Which repair order, customer and moment ----------------------------------------------------
    def _order_between(self, start: int, end: int):
        lo, hi = bisect.bisect_left(self.times, start), bisect.bisect_right(self.times, end)
        if lo >= hi:  # nothing in the span (tiny stores): the latest before its end
            hi = max(1, hi)
            lo = hi - 1
        return self.orders[self.by_time[self.rng.randrange(lo, hi)][1]]

    def _about(self, order, category: str, created: int) -> Planned:
        rng = self.rng
        visit = None if category == "sales" or rng.random() < 0.08 else order
        complaint = Planned(customer_id=order[1], order=visit, category=category, created=created)
        complaint.channel = _draw(rng, CHANNELS)
        complaint.severity = _draw(rng, SEVERITIES)
        complaint.description = rng.choice(DESCRIPTIONS[category])
        if visit is not None:
            if category in ("service_attitude", "waiting_time", "price"):
                complaint.staff_concerned = visit[5]
            elif category == "repair_quality":
                complaint.staff_concerned = visit[6]
        return complaint

    def plan(self, count: int) -> list[Planned]:
        rng, now = self.rng, self.now
        if not self.orders or count <= 0:
            return []
        opened = round(count * OPEN_SHARE)
        finished = count - opened
        cancelled = round(finished * CANCELLED_SHARE)
        duplicates = cancelled // 2
        repeats = round((finished - cancelled) * REPEAT_SHARE)
        if finished - repeats <= cancelled:  # too few to repeat anything
            repeats = duplicates = 0
        first = self.times[0]
        planned = []
        # Finished complaints over the whole history, a few hours to ten days after their order.
        for n in range(finished - duplicates - repeats):
            order = self._order_between(first, now - 3 * DAY)
            created = min((order[3] or order[2]) + int(rng.uniform(2 * HOUR, 10 * DAY)), now - 2 * DAY)
            complaint = self._about(order, _draw(rng, CATEGORIES), created)
            complaint.status = "cancelled" if n < cancelled - duplicates else "closed"
            planned.append(complaint)
        closed = [c for c in planned if c.status == "closed"]
        # The same customer again, later: about the same repair order or their latest one.
        for _ in range(repeats):
            before = rng.choice(closed)
            created = before.created + int(rng.uniform(3 * DAY, 200 * DAY))
            if created > now - 2 * DAY:
                created = before.created + int(rng.uniform(HOUR, max(2 * HOUR, now - 2 * DAY - before.created)))
            if before.order is not None and rng.random() < 0.5:
                order = before.order
            else:  # the customer's latest repair order by then (the one `before` was drawn from at least)
                order = max((o for o in self.by_customer[before.customer_id] if (o[3] or o[2]) < created),
                            key=lambda o: (o[3] or o[2], o[0]))
            category = before.category if rng.random() < 0.6 else _draw(rng, CATEGORIES)
            planned.append(self._about(order, category, created))
        # Registered twice: the second one cancelled as a duplicate of the first.
        for _ in range(duplicates):
            original = rng.choice(closed)
            complaint = Planned(
                customer_id=original.customer_id, order=original.order, category=original.category,
                created=min(original.created + int(rng.uniform(HOUR, 3 * DAY)), now - DAY), status="cancelled",
                channel=_draw(rng, CHANNELS), severity=original.severity, description=original.description,
                staff_concerned=original.staff_concerned, duplicate_of=original,
            )
            planned.append(complaint)
        # Open ones: waiting in their step for a while (a part of them past its deadline),
        # registered the steps before that.
        for _ in range(opened):
            status = _draw(rng, OPEN_STATUSES)
            steps = self._steps(status)
            created = now - _hours(rng, STEP_AGE_HOURS[status]) - sum(delay for delay, _ in steps)
            order = self._order_between(created - 20 * DAY, created - HOUR)
            complaint = self._about(order, _draw(rng, CATEGORIES), created)
            complaint.status, complaint.steps = status, steps
            planned.append(complaint)
        planned.sort(key=lambda c: (c.created, c.customer_id))
        self._severity(planned)
        for complaint in planned:
            self._registration(complaint)
            self._loop(complaint)
        return planned

    def _severity(self, planned):
        """A customer's third (not cancelled) complaint within a year is escalated."""
        history = {}
        for customer_id, created, status in sorted(self.earlier, key=lambda row: row[1]):
            if status != "cancelled":
                history.setdefault(customer_id, []).append(created)
        for complaint in planned:
            times = history.setdefault(complaint.customer_id, [])
            recent = sum(1 for t in times if t >= complaint.created - 365 * DAY)
            if recent + 1 >= 3 and complaint.severity == "general":
                complaint.severity = "escalated"
            if complaint.status != "cancelled":
                times.append(complaint.created)

    def _registration(self, complaint: Planned):
        rng, staff = self.rng, self.staff
        if complaint.channel == "online":
            complaint.created_by = None
        else:
            complaint.created_by = staff.supervisor if rng.random() < 0.15 else rng.choice(staff.agents)
        year = _local_year(complaint.created)
        self.sequences[year] = self.sequences.get(year, 0) + 1
        complaint.number = f"{self.store.code.upper()}-{year}-{self.sequences[year]:05d}"
        complaint.moves.append((complaint.created, "", "new", complaint.created_by, REGISTERED))

    # The loop ---------------------------------------------------------------------------------
    def _loop(self, complaint: Planned):
        rng, staff = self.rng, self.staff
        if complaint.status == "cancelled":
            at = min(complaint.created + int(rng.uniform(0.2, 24) * HOUR), self.now - 600)
            at = max(at, complaint.created + 60)
            note = "重复登记" if complaint.duplicate_of is not None else rng.choice(INVALID_REASONS)
            complaint.moves.append((at, "new", "cancelled", staff.supervisor, note))
            return
        if complaint.status == "new":
            self._schedule(complaint)
            return
        kind, other, share = DEPARTMENT_OF[complaint.category]
        if other and rng.random() < share:
            kind = other
        complaint.department_id = staff.departments.get(kind) or next(iter(staff.departments.values()), None)
        head = staff.heads.get(complaint.department_id)
        if head and rng.random() < 0.6:
            complaint.handler_id = head
        if complaint.status == "closed":  # squeezed into the time there was
            steps = self._steps("closed")
            total = sum(delay for delay, _ in steps)
            squeeze = min(1.0, (self.now - 600 - complaint.created) / total)
            steps = [(max(60, int(delay * squeeze)), to) for delay, to in steps]
        else:
            steps = complaint.steps
        at = complaint.created
        answerer = head if head and rng.random() < 0.9 else staff.supervisor
        for delay, to in steps:
            at += delay
            if to == "assigned":
                complaint.rounds = 1
                complaint.moves.append((at, "new", "assigned", staff.supervisor, rng.choice(ASSIGN_NOTES)))
            elif to == "answered":
                complaint.answered = True
                complaint.moves.append((at, "assigned", "answered", answerer, None))  # note: the resolution
            elif to == "reopened":
                words = rng.choice(UNHAPPY_WORDS)
                complaint.rounds += 1
                complaint.feedback = words
                complaint.moves.append((at, "answered", "assigned", rng.choice(staff.agents), words))
            else:
                words = rng.choice(SATISFIED_WORDS)
                complaint.feedback = words
                complaint.moves.append((at, "answered", "closed", rng.choice(staff.agents), words))
        if complaint.status != "closed":
            self._schedule(complaint)

    def _steps(self, status) -> list[tuple[int, str]]:
        """The moves after registration up to `status`, as (seconds after the move before, to):
        to the department, its answer and the callback, round after round."""
        rng = self.rng
        if status == "new":
            return []
        rounds = _draw(rng, ROUNDS)
        steps = [(_hours(rng, ACK_HOURS), "assigned")]
        for n in range(1, rounds + 1):
            steps.append((_hours(rng, ANSWER_HOURS), "answered"))
            if n < rounds:
                steps.append((_hours(rng, CALLBACK_HOURS), "reopened"))
        if status == "closed":
            steps.append((_hours(rng, CALLBACK_HOURS), "closed"))
            return steps
        while steps[-1][1] != status and not (status == "assigned" and steps[-1][1] == "reopened"):
            steps.pop()  # open: it waits in this step
        return steps

    def _schedule(self, complaint: Planned):
        """The open step's deadline and the escalations the job would have made by now."""
        started = complaint.moves[-1][0]
        policy = self.policies.for_complaint(complaint.category, complaint.severity)
        due = step_deadline(status=complaint.status, started_at=_moment(started), policy=policy,
                            time_zone=self.store.time_zone, calendar=self.calendar)
        level, escalate_at = 0, next_escalation(due, 0, policy)
        while escalate_at is not None and escalate_at.timestamp() <= self.now:
            level += 1
            escalate_at = next_escalation(due, level, policy)
        complaint.due = int(due.timestamp())
        complaint.level = level
        complaint.escalate_at = None if escalate_at is None else int(escalate_at.timestamp())

    @property
    def calendar(self):
        if not hasattr(self, "_calendar"):
            today = self.gen.today
            self._calendar = WorkingCalendar(today - dt.timedelta(days=60), today + dt.timedelta(days=200))
        return self._calendar


# --- COPY lines -------------------------------------------------------------------------------

def _id(value) -> str:
    return NULL if value is None else str(value)


def complaint_lines(store_id: int, planned: list[Planned], rng: random.Random):
    """(complaint lines, transition lines) of planned complaints with their ids set."""
    complaints, transitions = [], []
    for c in planned:
        if c.answered:
            texts = (rng.choice(INVESTIGATIONS), rng.choice(ROOT_CAUSES[c.category]),
                     rng.choice(CORRECTIVE_ACTIONS), rng.choice(RESOLUTIONS))
        else:
            texts = ("", "", "", "")
        last = c.moves[-1][0]
        finished = c.status in ("closed", "cancelled")
        if c.duplicate_of is not None:
            c.moves[-1] = (*c.moves[-1][:4], f"重复登记，同 {c.duplicate_of.number}")
        complaints.append(
            f"{c.id}\t{store_id}\t{c.number}\t{c.customer_id}\t{_id(c.order[0] if c.order else None)}\t"
            f"{c.channel}\t{c.category}\t{c.severity}\t{c.description}\t{c.staff_concerned}\t{c.status}\t"
            f"{_id(c.department_id)}\t{_id(c.handler_id)}\t{c.rounds}\t"
            f"{texts[0]}\t{texts[1]}\t{texts[2]}\t{texts[3]}\t{c.feedback}\t"
            f"{_id(c.duplicate_of.id if c.duplicate_of else None)}\t{_id(c.created_by)}\t"
            f"{_ts(c.created)}\t{_ts(last) if finished else NULL}\t{_ts(last)}\t"
            f"{NULL if c.due is None else _ts(c.due)}\t{c.level}\t"
            f"{NULL if c.escalate_at is None else _ts(c.escalate_at)}\n"
        )
        for at, before, after, actor, note in c.moves:
            transitions.append(
                f"{c.id}\t{_id(actor)}\t{_ts(at)}\t{before}\t{after}\t{texts[3] if note is None else note}\n"
            )
    return complaints, transitions


# Columns in the order `complaint_lines` writes them.
COMPLAINT_COLUMNS = (
    "id", "store_id", "number", "customer_id", "visit_id", "channel", "category", "severity", "description",
    "staff_concerned", "status", "department_id", "handler_id", "rounds", "investigation", "root_cause",
    "corrective_action", "resolution", "customer_feedback", "duplicate_of_id", "created_by_id", "created_at",
    "closed_at", "step_started_at", "due_at", "escalation_level", "escalate_at",
)
TRANSITION_COLUMNS = ("complaint_id", "actor_id", "at", "from_status", "to_status", "note")


def add_complaints(gen: GroupGenerator, number: int, store: Store, customers: int) -> int:
    """Top the store's complaints up to `complaints_for(customers)`, from its repair orders as
    stored, with their care calls, in one transaction; returns how many complaints were added."""
    target = complaints_for(customers)
    done = Complaint.objects.filter(store=store).count()
    if done >= target:
        return 0
    profile = gen.profile(number, store)  # its agents and call rules
    with loading_transaction(), connection.connection.cursor() as cursor:
        staff = ensure_complaint_staff(store, number, gen.seed, tuple(profile.agents))
        rng = random.Random(f"{gen.seed}/{number}/{done}/complaints")
        cursor.execute(
            """
            SELECT id, customer_id, extract(epoch FROM opened_at)::bigint,
                   extract(epoch FROM closed_at)::bigint, status, advisor_name, technician_name
            FROM customers_servicevisit WHERE store_id = %s ORDER BY id
            """,
            [store.pk],
        )
        orders = [row for row in cursor.fetchall() if row[4] != "cancelled"]
        cursor.execute(
            "SELECT customer_id, extract(epoch FROM created_at)::bigint, status "
            "FROM complaints_complaint WHERE store_id = %s",
            [store.pk],
        )
        earlier = cursor.fetchall()
        cursor.execute("SELECT year, last FROM complaints_complaintsequence WHERE store_id = %s", [store.pk])
        sequences = dict(cursor.fetchall())
        planner = StorePlanner(gen, store, staff, rng, orders, earlier, sequences)
        planned = planner.plan(target - done)
        if not planned:
            return 0
        ids = reserve_ids(cursor, Complaint, len(planned))
        for complaint, complaint_id in zip(planned, ids):
            complaint.id = complaint_id
        complaints, transitions = complaint_lines(store.pk, planned, rng)
        copy_lines(cursor, Complaint, COMPLAINT_COLUMNS, complaints)
        copy_lines(cursor, ComplaintTransition, TRANSITION_COLUMNS, transitions)
        cursor.execute(
            """
            INSERT INTO complaints_complaintsequence (store_id, year, last)
            SELECT %s, year, last FROM unnest(%s::int[], %s::int[]) AS s(year, last)
            ON CONFLICT (store_id, year) DO UPDATE
            SET last = GREATEST(complaints_complaintsequence.last, EXCLUDED.last)
            """,
            [store.pk, list(planner.sequences), list(planner.sequences.values())],
        )
        add_care_calls(gen, profile, cursor, ids)
    return len(planned)
