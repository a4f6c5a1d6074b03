"""A complaint as the rows of the complaint tables show it (the list, the department inbox, the
triage board): `complaint_rows(ids, now)`, one query for any number of rows.

The pages first pick which complaints to show, by id, from the complaints' own indexes (see
`selectors`); the rows are then read by one fixed statement and turned into plain text here.
Reading them as model instances through the ORM (four related models, two plate subqueries)
cost more Python time than everything else on the list page together: building and compiling
the query about 5 ms and making 250 instances about 4 ms a page, for values shown as text.
"""
import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass
from typing import ClassVar

from django.utils import timezone
from django.utils.timesince import TIME_STRINGS
from django.utils.translation import gettext as _

from aftersales.links import url_of
from aftersales.models import Department, Store, User, localized_name
from aftersales.prepared import fetch_prepared
from customers.models import Customer, ServiceVisit, Vehicle

from .models import Complaint


@dataclass(slots=True)
class ComplaintRow:
    """One complaint's cells, as text."""

    pk: int
    number: str
    url: str
    store_name: str
    customer_name: str
    plate: str
    severity: str
    rounds: int
    registered_text: str
    category_label: str
    severity_label: str
    status_label: str
    channel_label: str
    department_name: str
    handler_name: str
    overdue: bool
    due_text: str
    due_note: str
    # The department inbox's "answered last" table only.
    answered_text: str = ""
    answered_by: str = ""


@functools.cache
def _rows_statement():
    """The one statement: the complaints by id, with the store, customer, department and handler
    they name and the plate — of the repair order's vehicle, else the customer's most recently
    updated vehicle with a plate. The tables' names come from the models; the ids are the only
    parameter."""
    complaint, store, customer, department, user, visit, vehicle = (
        model._meta.db_table for model in (Complaint, Store, Customer, Department, User, ServiceVisit, Vehicle)
    )
    return f"""
        SELECT c.id, c.number, c.created_at, c.category, c.severity, c.status, c.channel, c.due_at,
               c.rounds, s.name, s.time_zone, cu.name, d.name, d.name_en,
               u.username, u.full_name, u.first_name, u.last_name,
               COALESCE(
                   NULLIF((SELECT v.plate FROM {visit} sv JOIN {vehicle} v ON v.id = sv.vehicle_id
                           WHERE sv.id = c.visit_id), ''),
                   (SELECT v.plate FROM {vehicle} v WHERE v.owner_id = c.customer_id AND v.plate <> ''
                    ORDER BY v.updated_at DESC, v.id DESC LIMIT 1),
                   '')
        FROM {complaint} c
        JOIN {store} s ON s.id = c.store_id
        JOIN {customer} cu ON cu.id = c.customer_id
        LEFT JOIN {department} d ON d.id = c.department_id
        LEFT JOIN {user} u ON u.id = c.handler_id
        WHERE c.id = ANY(%s)
    """


class _Spans:
    """"3 days, 2 hours", "45 minutes": the largest unit and the next one, in days at most (a
    deadline is not months away), with Django's own translated words — each looked up once a
    page, not once a row."""

    def __init__(self):
        self.words = {}
        self.comma = _(", ")

    def word(self, unit, count):
        key = (unit, count)
        if key not in self.words:
            self.words[key] = TIME_STRINGS[unit] % {"num": count}
        return self.words[key]

    def __call__(self, delta: dt.timedelta) -> str:
        minutes = max(int(delta.total_seconds()) // 60, 0)
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
        first = next((i for i, (count, _unit) in enumerate(units) if count), len(units) - 1)
        parts = [self.word(unit, count) for count, unit in units[first:first + 2] if count]
        return self.comma.join(parts) or self.word("minute", 0)


def complaint_rows(ids, now, answers=None) -> list[ComplaintRow]:
    """The rows of the complaints `ids`, in that order, as of `now` (what is overdue, the time
    left). `answers`: {id: (answered_at, answered_by)} for the inbox's answered table."""
    ids = list(ids)
    if not ids:
        return []
    found = {row[0]: row for row in fetch_prepared(_rows_statement(), [ids])}
    labels = {
        field: {value: str(label) for value, label in choices}
        for field, choices in (
            ("category", Complaint.Category.choices), ("severity", Complaint.Severity.choices),
            ("status", Complaint.Status.choices), ("channel", Complaint.Channel.choices),
        )
    }
    link = url_of("complaints:detail")
    span, late_by, left = _Spans(), _("overdue by %(time)s"), _("%(time)s left")
    zones, answers, rows = {}, answers or {}, []
    for pk in ids:
        if pk not in found:
            continue
        (_pk, number, created_at, category, severity, status, channel, due_at, rounds, store_name, time_zone,
         customer_name, department, department_en, username, full_name, first_name, last_name, plate) = found[pk]
        zone = zones.get(time_zone) or zones.setdefault(time_zone, zoneinfo.ZoneInfo(time_zone))
        is_open = status in Complaint.OPEN
        overdue = is_open and due_at is not None and due_at < now
        due_text = due_note = ""
        if is_open and due_at is not None:
            due_text = f"{due_at.astimezone(zone):%Y-%m-%d %H:%M}"
            due_note = late_by % {"time": span(now - due_at)} if overdue else left % {"time": span(due_at - now)}
        answered_at, answered_by = answers.get(pk, (None, ""))
        rows.append(ComplaintRow(
            pk=pk, number=number, url=link(pk),
            store_name=store_name, customer_name=customer_name, plate=plate, severity=severity, rounds=rounds,
            registered_text=f"{created_at.astimezone(zone):%Y-%m-%d %H:%M}",
            category_label=labels["category"][category], severity_label=labels["severity"][severity],
            status_label=labels["status"][status], channel_label=labels["channel"][channel],
            department_name=localized_name(department, department_en) if department is not None else "",
            # As User.__str__: the full name, else first and last, else the login.
            handler_name=(full_name or f"{first_name} {last_name}".strip() or username) if username else "",
            overdue=overdue, due_text=due_text, due_note=due_note,
            answered_text=f"{answered_at.astimezone(zone):%Y-%m-%d %H:%M}" if answered_at else "",
            answered_by=answered_by or "",
        ))
    return rows


@dataclass(slots=True)
class ComplaintCard:
    """A complaint in the customer file's timeline (customers.timeline), written by
    jinja2/complaints/timeline_card.html."""

    template: ClassVar[str] = "complaints/timeline_card.html"
    url: str
    number: str
    category_label: str
    created_text: str
    status_label: str
    open: bool
    kind_label: str


def complaint_cards(complaints, context) -> list[ComplaintCard]:
    """The file's complaints (`selectors.customer_complaints`) as timeline cards."""
    detail_url = url_of("complaints:detail")
    kind_label = _("Complaint")
    return [
        ComplaintCard(
            url=detail_url(complaint.pk), number=complaint.number,
            category_label=str(complaint.get_category_display()),
            created_text=timezone.localtime(complaint.created_at).strftime("%Y-%m-%d"),
            status_label=str(complaint.get_status_display()), open=complaint.is_open, kind_label=kind_label,
        )
        for complaint in complaints
    ]
