"""Planning one store's complaints: which repair order and customer, when, and each one's
moves through the state machine up to now (see `complaints.generation`)."""
from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aftersales.models import Store

from ..calendar import WorkingCalendar
from ..deadlines import next_escalation, step_deadline
from ..models import DeadlinePolicy
from .mix import (
    ACK_HOURS, ANSWER_HOURS, ASSIGN_NOTES, CALLBACK_HOURS, CANCELLED_SHARE, CATEGORIES, CHANNELS, DAY,
    DEPARTMENT_OF, DESCRIPTIONS, HOUR, INVALID_REASONS, OPEN_SHARE, OPEN_STATUSES, REGISTERED, REPEAT_SHARE,
    ROUNDS, SATISFIED_WORDS, SEVERITIES, STEP_AGE_HOURS, UNHAPPY_WORDS, draw, draw_hours, local_year, moment,
)
from .staff import Staff

if TYPE_CHECKING:
    from customers.generation.generator import GroupGenerator


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
        complaint.channel = draw(rng, CHANNELS)
        complaint.severity = draw(rng, SEVERITIES)
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
            complaint = self._about(order, draw(rng, CATEGORIES), created)
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
            category = before.category if rng.random() < 0.6 else draw(rng, CATEGORIES)
            planned.append(self._about(order, category, created))
        # Registered twice: the second one cancelled as a duplicate of the first.
        for _ in range(duplicates):
            original = rng.choice(closed)
            complaint = Planned(
                customer_id=original.customer_id, order=original.order, category=original.category,
                created=min(original.created + int(rng.uniform(HOUR, 3 * DAY)), now - DAY), status="cancelled",
                channel=draw(rng, CHANNELS), severity=original.severity, description=original.description,
                staff_concerned=original.staff_concerned, duplicate_of=original,
            )
            planned.append(complaint)
        # Open ones: waiting in their step for a while (a part of them past its deadline),
        # registered the steps before that.
        for _ in range(opened):
            status = draw(rng, OPEN_STATUSES)
            steps = self._steps(status)
            created = now - draw_hours(rng, STEP_AGE_HOURS[status]) - sum(delay for delay, _ in steps)
            order = self._order_between(created - 20 * DAY, created - HOUR)
            complaint = self._about(order, draw(rng, CATEGORIES), created)
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
        year = local_year(complaint.created)
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
        rounds = draw(rng, ROUNDS)
        steps = [(draw_hours(rng, ACK_HOURS), "assigned")]
        for n in range(1, rounds + 1):
            steps.append((draw_hours(rng, ANSWER_HOURS), "answered"))
            if n < rounds:
                steps.append((draw_hours(rng, CALLBACK_HOURS), "reopened"))
        if status == "closed":
            steps.append((draw_hours(rng, CALLBACK_HOURS), "closed"))
            return steps
        while steps[-1][1] != status and not (status == "assigned" and steps[-1][1] == "reopened"):
            steps.pop()  # open: it waits in this step
        return steps

    def _schedule(self, complaint: Planned):
        """The open step's deadline and the escalations the job would have made by now."""
        started = complaint.moves[-1][0]
        policy = self.policies.for_complaint(complaint.category, complaint.severity)
        due = step_deadline(status=complaint.status, started_at=moment(started), policy=policy,
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
