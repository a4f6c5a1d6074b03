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

import random
from typing import TYPE_CHECKING

from django.db import connection

from aftersales.models import Store
from customers.generation.common import NULL, _ts, copy_lines, loading_transaction, reserve_ids

from ..models import Complaint, ComplaintEscalation, ComplaintTransition
from .care_calls import add_care_calls
from .mix import COMPLAINTS_PER_CUSTOMER, CORRECTIVE_ACTIONS, INVESTIGATIONS, RESOLUTIONS, ROOT_CAUSES
from .planning import Planned, StorePlanner
from .staff import ensure_complaint_staff

if TYPE_CHECKING:
    from customers.generation.generator import GroupGenerator


def complaints_for(customers: int) -> int:
    """A store's complaints at its number of customers (10,000 for 20,000 at scale 1)."""
    return int(customers * COMPLAINTS_PER_CUSTOMER)


def _id(value) -> str:
    return NULL if value is None else str(value)


def complaint_lines(store_id: int, planned: list[Planned], rng: random.Random):
    """(complaint lines, escalation lines, transition lines) of planned complaints with their
    ids set."""
    complaints, escalations, transitions = [], [], []
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
            f"{NULL if c.due is None else _ts(c.due)}\n"
        )
        escalations.append(f"{c.id}\t{c.level}\t{NULL if c.escalate_at is None else _ts(c.escalate_at)}\n")
        for at, before, after, actor, note in c.moves:
            transitions.append(
                f"{c.id}\t{_id(actor)}\t{_ts(at)}\t{before}\t{after}\t{texts[3] if note is None else note}\n"
            )
    return complaints, escalations, transitions


# Columns in the order `complaint_lines` writes them.
COMPLAINT_COLUMNS = (
    "id", "store_id", "number", "customer_id", "visit_id", "channel", "category", "severity", "description",
    "staff_concerned", "status", "department_id", "handler_id", "rounds", "investigation", "root_cause",
    "corrective_action", "resolution", "customer_feedback", "duplicate_of_id", "created_by_id", "created_at",
    "closed_at", "step_started_at", "due_at",
)
ESCALATION_COLUMNS = ("complaint_id", "level", "escalate_at")
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
        complaints, escalations, transitions = complaint_lines(store.pk, planned, rng)
        copy_lines(cursor, Complaint, COMPLAINT_COLUMNS, complaints)
        copy_lines(cursor, ComplaintEscalation, ESCALATION_COLUMNS, escalations)
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


def order_complaints_by_registration():
    """Lay the complaints out in the order they were registered, as a live table is written: the
    generator writes a store at a time, which would tell the planner that a store's complaints
    lie together (store correlation 1, time 0) and steer one-store searches to reading the whole
    store and sorting it instead of walking its newest complaints."""
    index = "complaint_time"
    assert any(declared.name == index for declared in Complaint._meta.indexes)
    with connection.cursor() as cursor:
        cursor.execute(f"CLUSTER {connection.ops.quote_name(Complaint._meta.db_table)} "
                       f"USING {connection.ops.quote_name(index)}")
