"""kpi_reconcile: the independent recount agrees with the hand counts and with the report, and
a report that no longer matches its records makes the command fail."""
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from aftersales.tests.factories import CustomerFactory
from complaints.services import register_complaint
from kpi.reconcile import recount
from kpi.services import build_monthly_reports

from .month import EXPECTED, SHANGHAI, at, build_october

pytestmark = pytest.mark.django_db


@pytest.fixture
def october(store_a, personas):
    return build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                         advisor=personas["advisor"])


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("kpi_reconcile", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_the_recount_matches_the_hand_counts(store_a, october):
    counted = recount(store_a, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    assert {key: counted[key] for key in EXPECTED} == {key: pair[:2] for key, pair in EXPECTED.items()}


def test_the_pages_match_the_records(store_a, october):
    code, out, _err = run("--month", "2026-10", "--store", "a")
    assert code == 0, out
    assert "DIFFERENT" not in out and "every figure matches" in out


def test_an_empty_month_matches_too(store_a):
    code, out, _err = run("--month", "2026-10")
    assert code == 0 and "return_visit_rate: report (0, 0) records (0, 0) ok" in out


def test_a_kept_report_that_no_longer_matches_fails(store_a, personas, october):
    build_monthly_reports(now=dt.datetime(2026, 11, 1, 7, 15, tzinfo=SHANGHAI))
    register_complaint(store=store_a, customer=CustomerFactory(store=store_a), by=personas["cs_supervisor"],
                       channel="phone", category="parts", description="缺件", now=at(10, 30, 9))
    code, out, err = run("--month", "2026-10", "--store", "a")
    assert code == 1
    assert "complaints: report (3, None) records (4, None) DIFFERENT" in out
    assert "differ" in err
    # The job revises the kept report; then it matches again.
    build_monthly_reports(now=dt.datetime(2026, 11, 2, 7, 15, tzinfo=SHANGHAI))
    assert run("--month", "2026-10", "--store", "a")[0] == 0


def test_a_report_kept_before_a_figure_existed_is_not_a_difference(store_a, october):
    from kpi.models import MonthlyReport

    build_monthly_reports(now=dt.datetime(2026, 11, 1, 7, 15, tzinfo=SHANGHAI))
    kept = MonthlyReport.objects.get(store=store_a, month=dt.date(2026, 10, 1))
    kept.figures = {key: data for key, data in kept.figures.items() if key != "show_rate"}
    kept.save(update_fields=["figures"])
    code, out, _err = run("--month", "2026-10", "--store", "a")
    assert code == 0, out
    assert "show_rate: not in the kept report (added later); records (2, 3)" in out
    assert "renewal_rate: report (3, 5) records (3, 5) ok" in out


def test_bad_arguments_say_what_is_wrong(store_a):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("kpi_reconcile", "--month", "2026-13")
    with pytest.raises(CommandError, match="No active store"):
        call_command("kpi_reconcile", "--month", "2026-10", "--store", "zz")
