"""The reports the visits module sends: each store's end-of-day call summary to its managers
(seed 001: 每日下班前 … 交总经理室) and each department's weekly findings (seed 000: 日结周报).

Both go through the outbox with idempotency keys; the end-of-day report also keeps its figures
in a row written once per store and day, so the beat job may run as often and as late as it
likes and a missed closing time is caught up the next day.
"""
import datetime as dt
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftersales.messaging.models import Channel
from aftersales.messaging.services import queue_message
from aftersales.models import Department, Store, User

from ..models import Dissatisfaction, EndOfDayReport, FollowUpRule

# How far back missed end-of-day reports are made up (the beat or the workers were down).
CATCH_UP_DAYS = 7

# Which department a finding concerns, by the question answered unhappily.
REASON_DEPARTMENT = {
    "overall": Department.Kind.CUSTOMER_SERVICE,
    "booking": Department.Kind.CUSTOMER_SERVICE,
    "advisor": Department.Kind.WORKSHOP,
    "repair_quality": Department.Kind.WORKSHOP,
    "fixed_right": Department.Kind.WORKSHOP,
    "timeliness": Department.Kind.WORKSHOP,
    "facility": Department.Kind.ADMINISTRATION,
    "pickup_price": Department.Kind.FINANCE,
}


def managers_of(store):
    return (
        User.objects.filter(is_active=True, groups__name="manager")
        .filter(Q(stores=store) | Q(all_stores=True))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def end_of_day_text(store, figures, language=None):
    from ..selectors import labelled_averages, labelled_reasons

    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string("visits/email/end_of_day.txt", {
            "store": store, "figures": figures, "averages": labelled_averages(figures),
            "dissatisfied": [
                {**row, "reason_labels": labelled_reasons(row["reasons"])} for row in figures["dissatisfied"]
            ],
        }).strip()


def send_end_of_day_reports(*, now=None) -> int:
    """For every store past its closing time today, and for the days since its last report
    that were missed (a week at the most; yesterday for a store never reported): keep the
    day's figures and queue them to the store's managers. Returns the reports made."""
    from ..selectors import day_figures

    now = now or timezone.now()
    made = 0
    last_reported = dict(
        EndOfDayReport.objects.values_list("store_id").annotate(last=Max("day")).order_by()
    )
    for store in Store.objects.filter(is_active=True):
        zone = zoneinfo.ZoneInfo(store.time_zone)
        local = now.astimezone(zone)
        yesterday = local.date() - dt.timedelta(days=1)
        last = last_reported.get(store.pk)
        first = (
            max(last + dt.timedelta(days=1), local.date() - dt.timedelta(days=CATCH_UP_DAYS))
            if last else yesterday
        )
        days = [first + dt.timedelta(days=n) for n in range((yesterday - first).days + 1)]
        # Every ten minutes after closing: today's report exists after the first run, so the
        # others touch nothing.
        if local.time() >= store.closes_at and (last is None or last < local.date()):
            days.append(local.date())
        for day in days:
            with transaction.atomic():
                # (Not bulk_create(ignore_conflicts=True): it never sets the pk, so every run
                # looked like a repeat and no report was ever sent.)
                report, created = EndOfDayReport.objects.get_or_create(
                    store=store, day=day, defaults={"sent_at": now}
                )
                if not created:
                    continue  # made already, by an earlier or a concurrent run
                report.figures = day_figures(store_ids=[store.pk], day=day, zone=zone)
                report.save(update_fields=["figures"])
                summaries = {}  # in each manager's own language
                for manager in managers_of(store):
                    language = manager.working_language
                    if language not in summaries:
                        summaries[language] = end_of_day_text(store, report.figures, language)
                    queue_message(
                        store=store, kind="daily_call_summary", channel=Channel.EMAIL, to=manager.email,
                        context={"date": day.isoformat(), "summary": summaries[language]},
                        idempotency_key=f"end-of-day:{store.pk}:{day}:{manager.pk}", language=language,
                    )
                made += 1
    return made


def findings_by_department(store, start, end):
    """The week's dissatisfactions of a store, grouped by the department kind they concern."""
    grouped = defaultdict(list)
    for finding in (
        Dissatisfaction.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
        .select_related("customer", "visit", "followup__rule")
        .order_by("created_at", "id")
    ):
        if finding.followup and finding.followup.rule.trigger == FollowUpRule.Trigger.NEW_CAR:
            kinds = {Department.Kind.SALES}
        else:
            kinds = {REASON_DEPARTMENT.get(code, Department.Kind.CUSTOMER_SERVICE) for code in finding.reasons}
        for kind in kinds:
            grouped[kind].append(finding)
    return grouped


def send_weekly_findings(*, now=None) -> int:
    """Last week's (Monday to Sunday) findings to the head of each department they concern.
    Returns how many departments were reported to (a repeated run queues nothing new: the
    idempotency key is per department and week)."""
    now = now or timezone.now()
    queued = 0
    for store in Store.objects.filter(is_active=True):
        zone = zoneinfo.ZoneInfo(store.time_zone)
        today = now.astimezone(zone).date()
        week_start = today - dt.timedelta(days=today.weekday() + 7)
        start = dt.datetime.combine(week_start, dt.time(), tzinfo=zone)
        grouped = findings_by_department(store, start, start + dt.timedelta(days=7))
        departments = (
            Department.objects.filter(store=store, kind__in=list(grouped), head__is_active=True)
            .exclude(head__email="")
            .select_related("head")
        )
        with transaction.atomic():
            for department in departments:
                with translation.override(department.head.working_language):
                    summary = render_to_string("visits/email/weekly_findings.txt", {
                        "department": department, "week_start": week_start,
                        "findings": grouped[department.kind],
                    }).strip()
                    name = department.display_name
                queue_message(
                    store=store, kind="weekly_findings", channel=Channel.EMAIL, to=department.head.email,
                    context={"department": name, "week": week_start.isoformat(), "summary": summary},
                    idempotency_key=f"weekly-findings:{department.pk}:{week_start}",
                    language=department.head.working_language,
                )
                queued += 1
    return queued
