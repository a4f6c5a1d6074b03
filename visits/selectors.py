"""Reads of the visits module for its pages and reports, each in a fixed number of queries."""
import datetime as dt
from collections import Counter

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Avg, Count, Exists, Min, OuterRef, Q, Subquery
from django.db.models.lookups import Exact
from django.utils import timezone

from aftersales.models import User
from aftersales.pagination import keyset_page_by_id
from aftersales.prepared import prepared_reads
from aftersales.scoping import get_for_user_or_404
from customers.models.service import RepairType, ServiceVisit

from .models import (
    DIMENSIONS,
    QUESTION_LABELS,
    CallAttempt,
    Dissatisfaction,
    FollowUp,
    FollowUpRule,
    SurveyResponse,
)
from .models.followups import care_after_complaint
from .rows import followup_rows
from .scripts import render_script
from .services.calls import on_site_answers, questions_left
from .services.queue import CALLABLE

QUEUE_LIMIT = 30
# Seed 001: an unhappy customer is followed monthly; the file flags them for three months.
CARE_WINDOW_DAYS = 90
HISTORY_LIMIT = 20
# A survey's answers, as `answers_of` shows them.
SURVEY_ANSWER_FIELDS = ("overall", *(name for name, _label in DIMENSIONS), "fixed_right")

Status = FollowUp.Status


def day_bounds(day: dt.date, zone) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start, start + dt.timedelta(days=1)


# What a queue row shows, read as plain values: building 50 model instances with their related
# customer, vehicle and repair order costs more than the queries. Thirty rows fill a screen;
# "next call" takes the head of the queue whatever the list shows.
_ROW_VALUES = (
    "id", "store_id", "rule_id", "visit_id", "due_on", "priority", "next_call_at", "claimed_until",
    "claimed_by_id", "assigned_to_id", "attempt_count",
    "customer__name", "vehicle__plate", "vehicle__vin", "visit__order_no", "visit__repair_type",
    "complaint__number",
)


def _call_label(row, rules):
    """A call without a repair order: a care call after a complaint names it, others their rule."""
    if row["complaint__number"]:
        return care_after_complaint(row["complaint__number"])
    return rules[row["rule_id"]]


def queue(*, stores, today, now, limit=QUEUE_LIMIT):
    """The queue page: due today and overdue, in the order calls are taken, with counts.

    Few joins on purpose: names of stores, rules and staff come from small lookups instead, so
    PostgreSQL does not spend longer planning the row query than running it."""
    store_ids = [store.pk for store in stores]
    due = FollowUp.objects.in_queue().filter(store_id__in=store_ids, due_on__lte=today)
    # The page's calls by their own index first, then their rows by id: joined to the customer,
    # car, repair order and complaint, the page's query was planned on every request (1.5-2.3
    # ms, PostgreSQL never settling on one plan for its values) to run in 0.3 ms; by id it is
    # planned once per connection (a prepared read).
    ids = list(due.order_by("due_on", "-priority", "id").values_list("id", flat=True)[:limit])
    with prepared_reads():
        by_id = {row["id"]: row for row in FollowUp.objects.filter(pk__any=ids).values(*_ROW_VALUES)}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    rules = {rule.pk: rule.label for rule in FollowUpRule.objects.filter(store_id__in=store_ids)}
    staff = {
        user.pk: str(user) for user in User.objects.filter(stores__in=store_ids).distinct()
        .only("id", "username", "full_name", "first_name", "last_name")
    }
    covers = {}
    if rows:
        for other in FollowUp.objects.filter(merged_into_id__in=[row["id"] for row in rows]).values(
            "merged_into_id", "rule_id", "visit__order_no", "complaint__number"
        ).order_by("id"):
            covers.setdefault(other["merged_into_id"], []).append(
                other["visit__order_no"] or _call_label(other, rules)
            )
    repair_types = {value: str(label) for value, label in RepairType.choices}
    names = {store.pk: store.name for store in stores}
    items = [
        {
            "pk": row["id"], "due_on": row["due_on"], "overdue": row["due_on"] < today,
            "customer": row["customer__name"], "vehicle": row["vehicle__plate"] or row["vehicle__vin"],
            "kind": repair_types[row["visit__repair_type"]] if row["visit_id"] else _call_label(row, rules),
            "order_no": row["visit__order_no"], "covers": covers.get(row["id"], []),
            "priority": row["priority"], "store": names[row["store_id"]],
            "holder": staff.get(row["claimed_by_id"], "—")
            if row["claimed_until"] and row["claimed_until"] > now else None,
            "retry_at": row["next_call_at"] if row["next_call_at"] and row["next_call_at"] > now else None,
            "assignee": staff.get(row["assigned_to_id"]), "attempts": row["attempt_count"],
        }
        for row in rows
    ]
    # The counts, in one pass: per rule, summed here.
    totals = Counter(total=0, overdue=0, in_call=0, waiting=0, callable=0)
    by_type = Counter()
    for row in due.values("rule_id").annotate(
        total=Count("id"),
        overdue=Count("id", filter=Q(due_on__lt=today)),
        in_call=Count("id", filter=Q(claimed_until__gt=now)),
        waiting=Count("id", filter=Q(next_call_at__gt=now)),
        callable=Count("id", filter=CALLABLE(now)),
    ).order_by():
        by_type[rules[row.pop("rule_id")]] += row["total"]
        totals.update(row)
    return {
        "items": items, "totals": totals, "truncated": totals["total"] > len(items),
        "by_type": [{"label": label, "count": count} for label, count in by_type.most_common()],
    }


def call_screen(followup: FollowUp):
    """Everything the agent needs on the call, without clicking away."""
    customer = followup.customer
    # Each history reads only the columns the screen shows: with every column of every joined
    # table, building the four queries cost more than running them.
    attempts = list(
        CallAttempt.objects.filter(followup__customer=customer)
        .select_related("agent")
        .only("called_at", "outcome", "note", *(f"agent__{name}" for name in User.NAME_FIELDS))
        .order_by("-called_at")[:HISTORY_LIMIT]
    )
    surveys = list(
        SurveyResponse.objects.filter(visit__customer=customer)
        .select_related("visit")
        .only("recorded_at", "source", "comment", *SURVEY_ANSWER_FIELDS, "visit__order_no")
        .order_by("-recorded_at")[:HISTORY_LIMIT]
    )
    dissatisfactions = list(
        Dissatisfaction.objects.filter(customer=customer, status=Dissatisfaction.Status.OPEN)
        .select_related("visit")
        .only("created_at", "reasons", "customer_words", "visit__order_no")
        .order_by("-created_at")[:HISTORY_LIMIT]
    )
    covered = list(
        followup.covered.select_related("visit", "rule", "complaint")
        .only("merged_into", "visit__repair_type", "visit__order_no", "rule__repair_type", "rule__trigger",
              "complaint__number")
        .order_by("id")
    )
    on_site = on_site_answers(followup.visit_id) if followup.visit_id else None
    return {
        "followup": followup,
        "customer": customer,
        "covered": covered,
        "attempts": attempts,
        "surveys": surveys,
        "survey_rows": [(survey, answers_of(survey)) for survey in surveys],
        "open_dissatisfactions": dissatisfactions,
        "on_site": on_site,
        "on_site_answers": answers_of(on_site) if on_site else [],
        "questions": questions_left(followup, on_site),
        "script": render_script(followup.rule.call_script, followup),
    }


def answers_of(survey):
    """(label, value) for each question answered; value is a score or yes/no."""
    return [
        (QUESTION_LABELS[name], getattr(survey, name))
        for name in SURVEY_ANSWER_FIELDS
        if getattr(survey, name) is not None
    ]


def with_customer_file_flags(queryset):
    """Customers with what the file's header and timeline take from the return visits, read in
    the customer's own query: whether they were unhappy lately, and which repair orders had the
    advisor's survey at delivery."""
    since = timezone.now() - dt.timedelta(days=CARE_WINDOW_DAYS)
    return queryset.annotate(
        dissatisfied_lately=Exists(Dissatisfaction.objects.filter(customer=OuterRef("pk"), created_at__gte=since)),
        on_site_surveyed_ids=ArraySubquery(
            SurveyResponse.objects.filter(visit__customer=OuterRef("pk"), source=SurveyResponse.Source.ON_SITE)
            .values("visit_id")
        ),
    )


def customer_file_part(customer):
    """The customer file's flags (`with_customer_file_flags`, or one query for a customer read
    without it). The return-visit section itself (calls, answers, dissatisfactions, care) comes
    in a request of its own, after the page (`customer_calls`)."""
    if not hasattr(customer, "dissatisfied_lately"):
        customer = with_customer_file_flags(type(customer).objects.filter(pk=customer.pk)).get()
    return {
        "recently_dissatisfied": customer.dissatisfied_lately,
        "on_site_surveyed": set(customer.on_site_surveyed_ids),
    }


def customer_calls(customer, limit=HISTORY_LIMIT):
    """The customer file's return-visit section: recent follow-ups with their answers, every
    dissatisfaction, and care's reminders, greetings and recalls."""
    survey_fields = [*SURVEY_ANSWER_FIELDS, "comment"]
    followups = list(
        FollowUp.objects.filter(customer=customer)
        .select_related("visit", "rule", "survey", "complaint")
        # Only what the section shows (its label, answers and state): reading five tables' every
        # column cost more than the query.
        .only("customer_id", "due_on", "status", "outcome", "skip_reason", "visit__order_no",
              "rule__repair_type", "rule__trigger", "complaint__number",
              *(f"survey__{name}" for name in survey_fields))
        .order_by("-due_on", "-id")[:limit]
    )
    dissatisfactions = list(
        Dissatisfaction.objects.filter(customer=customer).select_related("visit").order_by("-created_at")[:limit]
    )
    return {
        "customer": customer,
        "customer_followups": [(f, answers_of(f.survey) if hasattr(f, "survey") else []) for f in followups],
        "customer_dissatisfactions": dissatisfactions,
        # Reminders, greetings, recalls and campaign invitations (visits.care).
        "customer_care": customer_care(customer),
    }


def day_figures(*, store_ids, day: dt.date, zone) -> dict:
    """The end-of-day summary of the stores' calls on `day`, as plain data (it is kept)."""
    start, end = day_bounds(day, zone)
    followups = FollowUp.objects.filter(store_id__in=store_ids, merged_into__isnull=True)
    counted = followups.aggregate(
        due=Count("id", filter=Q(due_on=day) & ~Q(status__in=[Status.SKIPPED, Status.CANCELLED])),
        skipped=Count("id", filter=Q(due_on=day, status=Status.SKIPPED)),
        unreachable=Count("id", filter=Q(status=Status.UNREACHABLE, finished_at__gte=start, finished_at__lt=end)),
        expired=Count("id", filter=Q(status=Status.EXPIRED, finished_at__gte=start, finished_at__lt=end)),
    )
    counted["still_open"] = followups.filter(status=Status.PENDING, due_on__lte=day).count()
    calls = CallAttempt.objects.filter(store_id__in=store_ids, called_at__gte=start, called_at__lt=end)
    counted.update(calls.aggregate(
        made=Count("id"),
        reached=Count("id", filter=Q(outcome=CallAttempt.Outcome.REACHED)),
    ))
    surveys = SurveyResponse.objects.filter(
        store_id__in=store_ids, source=SurveyResponse.Source.CALL, recorded_at__gte=start, recorded_at__lt=end
    )
    scores = surveys.aggregate(
        surveys=Count("id"),
        satisfied=Count("id", filter=Q(overall__gte=4)),
        rated=Count("overall"),
        fixed_right_yes=Count("id", filter=Q(fixed_right=True)),
        fixed_right_asked=Count("fixed_right"),
        **{f"avg_{name}": Avg(name) for name in ["overall", *[n for n, _l in DIMENSIONS]]},
    )
    dissatisfied = [
        {
            "customer": d.customer.name, "customer_id": d.customer_id,
            "order_no": d.visit.order_no if d.visit else "",
            "reasons": d.reasons, "words": d.customer_words,
        }
        for d in Dissatisfaction.objects.filter(store_id__in=store_ids, created_at__gte=start, created_at__lt=end)
        .select_related("customer", "visit")
        .order_by("created_at", "id")
    ]
    return {
        "day": day.isoformat(),
        **counted,
        "surveys": scores["surveys"],
        "satisfied_pct": _pct(scores["satisfied"], scores["rated"]),
        "fixed_right_pct": _pct(scores["fixed_right_yes"], scores["fixed_right_asked"]),
        "averages": {
            name: round(scores[f"avg_{name}"], 2) if scores[f"avg_{name}"] is not None else None
            for name in ["overall", *[n for n, _l in DIMENSIONS]]
        },
        "dissatisfied": dissatisfied,
    }


def _pct(part, whole):
    return round(100 * part / whole, 1) if whole else None


def followup_for_user_or_404(user, pk):
    """A follow-up of the user's stores with its customer and repair order (a complaint
    registered from a call starts from it), or Http404."""
    return get_for_user_or_404(FollowUp.objects.select_related("customer__store", "visit"), user, pk=pk)


def labelled_averages(figures):
    return [(QUESTION_LABELS[name], value) for name, value in figures["averages"].items()]


def labelled_reasons(codes):
    return [str(QUESTION_LABELS.get(code, code)) for code in codes]


def agents_today(*, store_ids, day, zone, now):
    """The supervisor's view: each agent's calls today, the queue's length and oldest item."""
    start, end = day_bounds(day, zone)
    per_agent = list(
        CallAttempt.objects.filter(store_id__in=store_ids, called_at__gte=start, called_at__lt=end)
        .values("agent_id", "agent__username", "agent__full_name")
        .annotate(made=Count("id"), reached=Count("id", filter=Q(outcome=CallAttempt.Outcome.REACHED)))
        .order_by("-made", "agent__username")
    )
    in_call = {
        row["claimed_by_id"]: row["count"]
        for row in FollowUp.objects.in_queue()
        .filter(store_id__in=store_ids, claimed_until__gt=now)
        .values("claimed_by_id").annotate(count=Count("id"))
    }
    for row in per_agent:
        row["name"] = row["agent__full_name"] or row["agent__username"]
        row["in_call"] = in_call.get(row["agent_id"], 0)
    due = FollowUp.objects.in_queue().filter(store_id__in=store_ids, due_on__lte=day)
    queue_figures = due.aggregate(length=Count("id"), oldest=Min("due_on"),
                                  overdue=Count("id", filter=Q(due_on__lt=day)))
    oldest = (
        due.filter(due_on=queue_figures["oldest"]).select_related("customer").order_by("-priority", "id").first()
        if queue_figures["oldest"] else None
    )
    return {"agents": per_agent, "queue": queue_figures, "oldest": oldest}


# --- Figures for the KPI module (kpi.metrics reads the return visits only through these) -------
# One aggregate statement per table, grouped by the dimensions asked for; the period is
# [start, end) in local dates of `zone`. A follow-up belongs to the period it is due in, a survey
# and a dissatisfaction to the period they were recorded in.
KPI_CALL_DIMENSIONS = {
    "store": "store_id",
    "advisor": "visit__advisor_id",
    "repair_type": "visit__repair_type",
    "kind": "rule__trigger",
}
KPI_SURVEY_DIMENSIONS = {
    "store": "store_id",
    "advisor": "visit__advisor_id",
    "repair_type": "visit__repair_type",
}
_MADE = Q(status__in=[Status.DONE, Status.UNREACHABLE])


def _grouped(queryset, dimensions, names, bucket, field, zone, aggregates):
    """One row of `aggregates` per dimension value (and bucket); one row in all without either."""
    from django.db.models.functions import Trunc

    values = {}
    if bucket:
        values["bucket"] = Trunc(field, bucket, tzinfo=zone) if field != "due_on" else Trunc(field, bucket)
    fields = [dimensions[name] for name in names]
    if not fields and not values:
        return [queryset.aggregate(**aggregates)]
    return queryset.values(*fields, **values).order_by().annotate(**aggregates)


def kpi_calls_due(*, store_ids, start: dt.date, end: dt.date):
    """The return-visit calls due in [start, end): standing alone (not covered by another call),
    neither skipped (the customer may not be called) nor cancelled (the repair order was)."""
    return FollowUp.objects.filter(
        store_id__in=store_ids, due_on__gte=start, due_on__lt=end, merged_into__isnull=True,
    ).exclude(status__in=[Status.SKIPPED, Status.CANCELLED])


# The repair order's type read per call (a scalar subquery by primary key) rather than by a join:
# joined, PostgreSQL hashes every warranty order of the store (200,000 at the group's size) to
# count the few hundred calls of a month, when looking each one up costs a couple of milliseconds.
_WARRANTY = Q(Exact(
    Subquery(ServiceVisit.objects.filter(pk=OuterRef("visit_id")).values("repair_type")[:1]),
    RepairType.WARRANTY,
))
# What each count of the calls due counts: the figures' aggregates and the follow-up list's
# drill-down (`kpi` filter) read the same conditions.
KPI_CALL_FILTERS = {
    "due": Q(),
    "made": _MADE,
    "reached": Q(status=Status.DONE, outcome=FollowUp.Outcome.REACHED),
    "warranty_due": _WARRANTY,
    "warranty_made": _WARRANTY & _MADE,
}


def kpi_calls_where(name) -> Q:
    """The calls of the count `name` (KPI_CALL_FILTERS) among all follow-ups: standing alone,
    neither skipped nor cancelled, and meeting the count's condition (the period apart)."""
    return Q(merged_into__isnull=True) & ~Q(status__in=[Status.SKIPPED, Status.CANCELLED]) & KPI_CALL_FILTERS[name]


def kpi_call_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    """Calls due, made (finished: done or unreachable after every attempt), reached, and the same
    for calls after warranty repairs; one row per dimension value (and per bucket)."""
    # The store's warranty orders as a set (one index-only read), not a join: joining the
    # follow-ups to the repair orders made PostgreSQL hash the whole repair-order table (5M rows
    # at the group's size) to count a month of one store's calls. The same calls as
    # KPI_CALL_FILTERS' (a follow-up's repair order is of its own store), which the list reads.
    warranty = Q(visit__in=ServiceVisit.objects.filter(store_id__in=store_ids, repair_type=RepairType.WARRANTY)
                 .values("pk"))
    conditions = {**KPI_CALL_FILTERS, "warranty_due": warranty, "warranty_made": warranty & _MADE}
    rows = _grouped(kpi_calls_due(store_ids=store_ids, start=start, end=end), KPI_CALL_DIMENSIONS, by,
                    bucket, "due_on", zone, {
                        name: Count("id", filter=condition) if condition else Count("id")
                        for name, condition in conditions.items()
                    })
    return _renamed(rows, KPI_CALL_DIMENSIONS, by)


def _kpi_survey_filters():
    filters = {}
    for name in ["overall", *[name for name, _label in DIMENSIONS]]:
        filters[f"{name}_answered"] = Q(**{f"{name}__isnull": False})
        filters[f"{name}_satisfied"] = Q(**{f"{name}__gte": 4})
    filters["fixed_right_yes"] = Q(fixed_right=True)
    filters["fixed_right_answered"] = Q(fixed_right__isnull=False)
    return filters


# What each count of the survey answers counts: the figures' aggregates and the survey list's
# drill-down (`kpi` filter) read the same conditions. (`<question>_sum` is summed over the
# `<question>_answered` ones.)
KPI_SURVEY_FILTERS = _kpi_survey_filters()


def kpi_survey_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    """Survey answers recorded in the period (on site and on the call: a question is asked once
    per repair order): per question the answers, the satisfied ones (4 or 5) and the sum of scores."""
    from django.db.models import Sum

    begin, finish = _local_bounds(start, end, zone)
    aggregates = {name: Count("id", filter=condition) for name, condition in KPI_SURVEY_FILTERS.items()}
    for name in ["overall", *DIMENSION_NAMES]:
        aggregates[f"{name}_sum"] = Sum(name)
    rows = _grouped(
        SurveyResponse.objects.filter(store_id__in=store_ids, recorded_at__gte=begin, recorded_at__lt=finish),
        KPI_SURVEY_DIMENSIONS, by, bucket, "recorded_at", zone, aggregates,
    )
    return _renamed(rows, KPI_SURVEY_DIMENSIONS, by)


def kpi_dissatisfaction_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    begin, finish = _local_bounds(start, end, zone)
    rows = _grouped(
        Dissatisfaction.objects.filter(store_id__in=store_ids, created_at__gte=begin, created_at__lt=finish),
        KPI_SURVEY_DIMENSIONS, by, bucket, "created_at", zone, {"dissatisfactions": Count("id")},
    )
    return _renamed(rows, KPI_SURVEY_DIMENSIONS, by)


def kpi_dissatisfied(*, store_ids, start: dt.date, end: dt.date, zone, limit=500) -> list[dict]:
    """The dissatisfied customers of the period with what they were unhappy about, for the report."""
    begin, finish = _local_bounds(start, end, zone)
    return [
        {
            "created_at": row["created_at"], "customer": row["customer__name"], "customer_id": row["customer_id"],
            "order_no": row["visit__order_no"] or "", "reasons": labelled_reasons(row["reasons"]),
            "words": row["customer_words"], "status": row["status"], "store_id": row["store_id"],
        }
        for row in Dissatisfaction.objects.filter(
            store_id__in=store_ids, created_at__gte=begin, created_at__lt=finish
        ).values("created_at", "customer__name", "customer_id", "visit__order_no", "reasons", "customer_words",
                 "status", "store_id").order_by("created_at", "id")[:limit]
    ]


def kpi_queue_now(*, store_ids, today: dt.date) -> dict:
    """Today's operational counts: the queue's length (due today and overdue) and its oldest day."""
    return FollowUp.objects.in_queue().filter(store_id__in=store_ids, due_on__lte=today).aggregate(
        length=Count("id"), oldest=Min("due_on"), overdue=Count("id", filter=Q(due_on__lt=today)),
    )


DIMENSION_NAMES = [name for name, _label in DIMENSIONS]


def _local_bounds(start, end, zone):
    return (dt.datetime.combine(start, dt.time(), tzinfo=zone), dt.datetime.combine(end, dt.time(), tzinfo=zone))


def _renamed(rows, dimensions, names):
    out = []
    for row in rows:
        row = dict(row)
        for name in names:
            row[name] = row.pop(dimensions[name])
        if "bucket" in row and isinstance(row["bucket"], dt.datetime):
            row["bucket"] = row["bucket"].date()
        out.append(row)
    return out


# Customer care (visits.care), for the KPI module: renewal rate, recall reasons, won back.
from .care.selectors import (  # noqa: E402,F401
    customer_care,
    insurers_chosen_elsewhere,
    kpi_care_counts,
    lost_customer_reasons,
    recall_reasons_by_month,
    renewal_rate,
    won_back_by_month,
)


# --- The staff lists (the KPI figures' drill-downs): one page of rows and the count ---------------
LIST_PAGE = 50


def followup_list_page(queryset, *, cursor=None) -> dict:
    """A page of the follow-up list, newest due first, with what a row shows (the ids by the
    filters, then the rows by id: `keyset_page_by_id`), and how many calls match (one query)."""
    # As values: seven models a row made 350 instances a page, for cells of text.
    rows = FollowUp.objects.values(
        "id", "due_on", "status", "outcome", "store__name", "rule__trigger", "rule__repair_type",
        "customer_id", "customer__name", "customer__mobile", "vehicle__plate", "visit__order_no",
        "visit__advisor_id", *(f"visit__advisor__{name}" for name in User.NAME_FIELDS),
        "survey__id", "survey__overall",
    )
    page = keyset_page_by_id(queryset, rows, order=("-due_on", "-id"), cursor=cursor, size=LIST_PAGE)
    # The page's items are its rows (each with its pk).
    page.items = followup_rows(page)
    return {"page": page, "rows": page.items, "count": queryset.count()}


def survey_list_page(queryset, *, cursor=None) -> dict:
    rows = SurveyResponse.objects.select_related("store", "visit", "visit__customer", "visit__vehicle",
                                                 "visit__advisor", "recorded_by")
    return {"page": keyset_page_by_id(queryset, rows, order=("-recorded_at", "-id"), cursor=cursor, size=LIST_PAGE),
            "count": queryset.count()}


def dissatisfaction_list_page(queryset, *, cursor=None) -> dict:
    rows = Dissatisfaction.objects.select_related("store", "customer", "visit", "visit__advisor", "recorded_by")
    return {"page": keyset_page_by_id(queryset, rows, order=("-created_at", "-id"), cursor=cursor, size=LIST_PAGE),
            "count": queryset.count()}
