"""The return-visit calls of the dealer-group data set (`customers.generation`): every store
gets seed 001's rules with a second call at 30 days (GROUP_CALL_OFFSETS), two cs_agent users
(grp-001-cs1, -cs2), and for its repair orders the follow-ups the morning job would have created
by today, worked as agents would have worked them (`CallPlanner`): about 2 a repair order (10M at
scale 1), most done, a few hundred to a thousand a store still to call today or overdue, and
about 1.3 call attempts a follow-up. Their counts are not exact: they depend on the dates drawn.

A chunk of new customers gets its calls with its other rows (`customers.generation.chunk`); a
store generated before the calls existed gets them from its stored repair orders (`add_calls`).
The shared COPY helpers come from `customers.generation.common`, which imports nothing from
here; the rest of `customers.generation` imports this module.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group
from django.db import connection

from aftersales.demo import DemoData
from aftersales.models import Department, Store, User
from aftersales.roles import sync_roles
from customers.generation.common import (
    CHUNK_CUSTOMERS,
    NULL,
    OrderRow,
    _local_epoch,
    _ts,
    copy_lines,
    loading_transaction,
    reserve_ids,
)
from customers.models import Customer

from .models import CallAttempt, FollowUp, FollowUpRule
from .services import ensure_default_rules

if TYPE_CHECKING:
    from customers.generation.generator import GroupGenerator
    from customers.generation.plan import StoreProfile

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


@dataclass(frozen=True)
class CallRule:
    id: int
    offsets: tuple[int, ...]
    window: int
    priority: int


def calls_per_order(rules: dict[tuple[str, str], CallRule]) -> int:
    """The most follow-ups one repair order can have under a store's rules."""
    declined = len(rules.get(("declined_work", ""), CallRule(0, (), 0, 0)).offsets)
    per_type = [len(rule.offsets) for (trigger, _), rule in rules.items() if trigger == "repair_type"]
    return max(per_type, default=0) + declined


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


def same_call_key(call):
    """What makes two planned calls one (visits.models.followups.SAME_CALL): customer and day."""
    return (call.order.customer_id, call.due)


def cover_same_day(primaries, call):
    """The morning job's merge for planned calls: the first call of a customer's day covers the
    later ones (which follow it) and takes the higher priority. `primaries` maps the day's key to
    its first call; returns the covering call, or None when `call` is the first."""
    primary = primaries.setdefault(same_call_key(call), call)
    if primary is call:
        return None
    call.merged_into, call.created = primary.id, primary.created
    primary.priority = max(primary.priority, call.priority)
    return primary


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
            else:
                cover_same_day(primaries, call)
        for call in primaries.values():
            self._work(call)
        for call in calls:
            if call.merged_into is not None:  # follows the call that covers it
                primary = primaries[same_call_key(call)]
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


# Columns in the order `CallPlanner._lines` writes them.
FOLLOWUP_COLUMNS = (
    "id", "store_id", "customer_id", "vehicle_id", "visit_id", "rule_id", "offset_days", "due_on",
    "expires_on", "priority", "status", "skip_reason", "outcome", "merged_into_id", "next_call_at",
    "attempt_count", "finished_at", "created_at",
)
# The attempt's id comes from its identity column: nothing generated refers to an attempt.
CALL_ATTEMPT_COLUMNS = ("store_id", "followup_id", "agent_id", "called_at", "outcome", "note")


def add_calls(gen: GroupGenerator, profile: StoreProfile):
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
            planner = CallPlanner(gen, profile, random.Random(f"{gen.seed}/{profile.number}/{chunk[0]}/calls"))
            followups, attempts = planner.plan(orders, customers, warranty_ends, iter(ids))
            copy_lines(cursor, FollowUp, FOLLOWUP_COLUMNS, followups)
            copy_lines(cursor, CallAttempt, CALL_ATTEMPT_COLUMNS, attempts)
