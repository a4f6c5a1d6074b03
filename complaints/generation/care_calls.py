"""The care calls after the generated complaints (see complaints.generation)."""
from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from typing import TYPE_CHECKING, NamedTuple

from aftersales.models import Store
from customers.generation.common import NULL, _ts, copy_lines, reserve_ids
from visits.generation import CALL_ATTEMPT_COLUMNS, Call, CallPlanner, CallRule, cover_same_day, same_call_key
from visits.models import CallAttempt, FollowUp, FollowUpRule

if TYPE_CHECKING:
    from customers.generation.generator import GroupGenerator

class CareSource(NamedTuple):
    """What a care call needs of its complaint, in the shape `CallPlanner` reads an order."""
    id: int  # the complaint's
    customer_id: int
    vehicle_id: int
    status: str = "closed"


CARE_COLUMNS = (
    "id", "store_id", "customer_id", "vehicle_id", "complaint_id", "rule_id", "offset_days", "due_on",
    "expires_on", "priority", "status", "skip_reason", "outcome", "merged_into_id", "next_call_at",
    "attempt_count", "finished_at", "created_at",
)


class CarePlanner(CallPlanner):
    """The care calls the morning job (`visits.services.create_followups`) made after the
    store's complaints, worked as the return-visit calls are: 30, 60 and 90 days (the store's
    care rule) after a complaint not cancelled, unless the customer complained again (or was
    found dissatisfied) by then; about the complaint's repair-order car, else the customer's
    most recently updated one; skipped for customers who must not be called. A care call due
    on the day of another call of the customer is covered by that call and follows it."""

    def care_calls(self, cursor, store: Store, rule: FollowUpRule, complaint_ids=None):
        """(follow-up lines, attempt lines, {existing follow-up id: raised priority})."""
        store_id, zone = store.pk, zoneinfo.ZoneInfo(store.time_zone)
        cursor.execute(
            """
            SELECT cp.id, cp.customer_id, extract(epoch FROM cp.created_at)::bigint, v.vehicle_id
            FROM complaints_complaint cp LEFT JOIN customers_servicevisit v ON v.id = cp.visit_id
            WHERE cp.store_id = %s AND cp.dissatisfaction_id IS NULL AND cp.status <> 'cancelled'
              AND (%s::bigint[] IS NULL OR cp.id = ANY(%s))
            ORDER BY cp.id
            """,
            [store_id, complaint_ids, complaint_ids],
        )
        complaints = cursor.fetchall()
        if not complaints:
            return [], [], {}
        cursor.execute(
            """
            SELECT customer_id, extract(epoch FROM created_at)::bigint FROM complaints_complaint
            WHERE store_id = %s AND dissatisfaction_id IS NULL AND status <> 'cancelled'
            UNION ALL
            SELECT customer_id, extract(epoch FROM created_at)::bigint FROM visits_dissatisfaction
            WHERE store_id = %s
            """,
            [store_id, store_id],
        )
        events = {}
        for customer_id, created in cursor.fetchall():
            events.setdefault(customer_id, []).append(created)
        cursor.execute(
            "SELECT id, owner_id, updated_at, warranty_end FROM customers_vehicle WHERE store_id = %s",
            [store_id],
        )
        warranty, latest = {}, {}
        for vehicle_id, owner_id, updated, warranty_end in cursor.fetchall():
            warranty[vehicle_id] = warranty_end or dt.date.min
            if owner_id not in latest or (updated, vehicle_id) > latest[owner_id]:
                latest[owner_id] = (updated, vehicle_id)
        customer_ids = sorted({row[1] for row in complaints})
        cursor.execute(
            """
            SELECT c.id, c.do_not_contact, c.loyalty_tier = 'loyal', cc.granted IS FALSE
            FROM customers_customer c
            LEFT JOIN customers_customerconsent cc ON cc.customer_id = c.id AND cc.channel = 'service_call'
            WHERE c.id = ANY(%s)
            """,
            [customer_ids],
        )
        customers = {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}
        cursor.execute(
            """
            SELECT customer_id, due_on, id, status, outcome, extract(epoch FROM finished_at)::bigint, priority
            FROM visits_followup
            WHERE store_id = %s AND customer_id = ANY(%s) AND merged_into_id IS NULL
              AND status NOT IN ('cancelled', 'skipped')
            """,
            [store_id, customer_ids],
        )
        others = {(row[0], row[1]): row[2:] for row in cursor.fetchall()}

        calls = []
        for complaint_id, customer_id, created, vehicle_id in complaints:
            vehicle_id = vehicle_id or latest.get(customer_id, (None, None))[1]
            if vehicle_id is None:
                continue
            day = dt.datetime.fromtimestamp(created, zone).date()
            newer = [dt.datetime.fromtimestamp(t, zone).date() for t in events.get(customer_id, ()) if t > created]
            for offset in sorted(set(rule.offsets_days)):
                due = day + dt.timedelta(days=offset)
                if due > self.today or any(d <= due for d in newer):
                    continue
                priority = rule.priority + (warranty[vehicle_id] >= due) + customers[customer_id][1]
                calls.append(Call(
                    0, CareSource(complaint_id, customer_id, vehicle_id),
                    CallRule(rule.pk, tuple(rule.offsets_days), rule.window_days, rule.priority),
                    offset, due, due + dt.timedelta(days=rule.window_days), priority,
                ))
        for call, call_id in zip(calls, reserve_ids(cursor, FollowUp, len(calls))):
            call.id = call_id
        # As the morning job leaves them: skipped, covered by another call of the day, or to work.
        primaries, raised = {}, {}
        for call in calls:
            call.created = self._morning(call.due)
            do_not_contact, _loyal, refused = customers[call.order.customer_id]
            if do_not_contact or refused:
                call.status, call.finished = "skipped", call.created
                call.skip_reason = "do_not_contact" if do_not_contact else "refused_calls"
            elif (other := others.get(same_call_key(call))) is not None:
                other_id, status, outcome, finished, priority = other
                call.merged_into, call.status, call.outcome, call.finished = other_id, status, outcome, finished
                if call.priority > max(priority, raised.get(other_id, 0)):
                    raised[other_id] = call.priority
            else:
                cover_same_day(primaries, call)
        for call in primaries.values():
            self._work(call)
        for call in calls:
            primary = primaries.get(same_call_key(call))
            if call.merged_into is not None and primary is not None and call.merged_into == primary.id:
                call.status, call.outcome, call.finished = primary.status, primary.outcome, primary.finished
        followups, attempts = self._care_lines(calls)
        return followups, attempts, raised

    def _care_lines(self, calls):
        store_id, random, choice = self.store_id, self.random, self.rng.choice
        followups, attempts = [], []
        for call in calls:
            followups.append(
                f"{call.id}\t{store_id}\t{call.order.customer_id}\t{call.order.vehicle_id}\t{call.order.id}\t"
                f"{call.rule.id}\t{call.offset}\t{call.due.isoformat()}\t{call.expires.isoformat()}\t"
                f"{call.priority}\t{call.status}\t{call.skip_reason}\t{call.outcome}\t"
                f"{NULL if call.merged_into is None else call.merged_into}\t"
                f"{NULL if call.next_call_at is None else _ts(call.next_call_at)}\t{call.attempt_count}\t"
                f"{NULL if call.finished is None else _ts(call.finished)}\t{_ts(call.created)}\n"
            )
            if call.attempts:
                agent = choice(self.agents)
                for called, outcome in call.attempts:
                    if random() < 0.1:
                        agent = choice(self.agents)
                    attempts.append(f"{store_id}\t{call.id}\t{agent}\t{_ts(called)}\t{outcome}\t\n")
        return followups, attempts


def add_care_calls(gen: GroupGenerator, profile, cursor, complaint_ids=None) -> int:
    """The care calls after the store's complaints (`complaint_ids`, or all of them), in the
    caller's loading transaction; returns how many."""
    store = profile.store
    rule = FollowUpRule.objects.filter(store=store, trigger=FollowUpRule.Trigger.CARE_CALL, is_active=True).first()
    if rule is None or not rule.offsets_days:
        return 0
    seed = complaint_ids[0] if complaint_ids else 0
    planner = CarePlanner(gen, profile, random.Random(f"{gen.seed}/{profile.number}/{seed}/care"))
    followups, attempts, raised = planner.care_calls(cursor, store, rule, complaint_ids)
    copy_lines(cursor, FollowUp, CARE_COLUMNS, followups)
    copy_lines(cursor, CallAttempt, CALL_ATTEMPT_COLUMNS, attempts)
    if raised:
        cursor.execute(
            """UPDATE visits_followup f SET priority = r.priority
               FROM unnest(%s::bigint[], %s::int[]) AS r(id, priority) WHERE f.id = r.id""",
            [list(raised), list(raised.values())],
        )
    return len(followups)

