"""Deadlines of a complaint's steps, computed once when a step begins and stored on the row.

- acknowledge (new): within N hours of registration, by the clock (seed 004: 24-hour response);
- department answer (assigned): by the end of the N-th working day after the step began
  (seed 003: 3 days);
- callback (answered): by the end of the N-th working day after the answer.

Working days come from the statutory calendar (complaints.calendar). When an administrator
corrects the calendar, `recompute_deadlines` moves the stored deadlines that depend on it.
"""
import datetime as dt
import zoneinfo

from django.db import transaction

from .calendar import WorkingCalendar
from .models import Complaint, ComplaintEscalation, DeadlinePolicies, DeadlinePolicy

Status = Complaint.Status
END_OF_DAY = dt.time(23, 59, 59)
# A working-day deadline never reaches further than this (60 working days plus holidays).
_SPAN = dt.timedelta(days=120)


def step_deadline(*, status, started_at, policy: DeadlinePolicy, time_zone: str, calendar=None):
    """When the step a complaint in `status` began at `started_at` is due, or None (finished)."""
    if status == Status.NEW:
        return started_at + dt.timedelta(hours=policy.acknowledge_hours)
    if status not in (Status.ASSIGNED, Status.ANSWERED):
        return None
    days = policy.answer_working_days if status == Status.ASSIGNED else policy.callback_working_days
    zone = zoneinfo.ZoneInfo(time_zone)
    start_day = started_at.astimezone(zone).date()
    calendar = calendar or WorkingCalendar(start_day, start_day + _SPAN)
    last_day = calendar.add_working_days(start_day, days)
    return dt.datetime.combine(last_day, END_OF_DAY, tzinfo=zone)


def schedule_step(complaint: Complaint, *, started_at, policies: DeadlinePolicies | None = None,
                  calendar=None) -> ComplaintEscalation:
    """Set the deadline of the step `complaint.status` begins now, and return its escalation
    clock (nobody told yet), to be saved after the complaint."""
    policies = policies or DeadlinePolicy.for_store(complaint.store_id)
    policy = policies.for_complaint(complaint.category, complaint.severity)
    complaint.step_started_at = started_at
    complaint.due_at = step_deadline(
        status=complaint.status, started_at=started_at, policy=policy, time_zone=complaint.store.time_zone,
        calendar=calendar,
    )
    complaint.escalation = ComplaintEscalation(level=0, escalate_at=next_escalation(complaint.due_at, 0, policy))
    return complaint.escalation


def next_escalation(due_at, level, policy: DeadlinePolicy):
    """When the escalation after `level` is due: the handler at the deadline, the supervisor
    `escalate_every_hours` later, the manager as much later again; then nobody."""
    if due_at is None or level >= 3:
        return None
    return due_at + dt.timedelta(hours=policy.escalate_every_hours * level)


@transaction.atomic
def recompute_deadlines(since: dt.date, *, batch=2000) -> int:
    """Recompute the working-day deadlines of open complaints that a calendar change from
    `since` on may move; returns how many moved. Escalations already sent stay sent."""
    complaints = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("store", "escalation")
        .filter(status__in=(Status.ASSIGNED, Status.ANSWERED),
                due_at__gte=dt.datetime.combine(since - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC))
        .order_by("pk")
    )
    policies, calendars, changed, moved = {}, {}, [], 0
    for complaint in complaints.iterator(chunk_size=batch):
        if complaint.store_id not in policies:
            policies[complaint.store_id] = DeadlinePolicy.for_store(complaint.store_id)
        policy = policies[complaint.store_id].for_complaint(complaint.category, complaint.severity)
        day = complaint.step_started_at.date()
        if day not in calendars:
            calendars[day] = WorkingCalendar(day - dt.timedelta(days=1), day + _SPAN)
        due = step_deadline(status=complaint.status, started_at=complaint.step_started_at, policy=policy,
                            time_zone=complaint.store.time_zone, calendar=calendars[day])
        if due != complaint.due_at:
            complaint.due_at = due
            complaint.escalation.escalate_at = next_escalation(due, complaint.escalation.level, policy)
            changed.append(complaint)
        if len(changed) >= batch:
            moved += len(changed)
            _save_moved(changed)
            changed.clear()
    _save_moved(changed)
    return moved + len(changed)


def _save_moved(complaints):
    Complaint.objects.bulk_update(complaints, ["due_at"])
    ComplaintEscalation.objects.bulk_update([c.escalation for c in complaints], ["escalate_at"])
