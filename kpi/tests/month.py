"""October 2026 at one store, built through the real services (repair orders, calls with their
surveys, complaints through their loop), with every figure counted by hand. October 2026 has the
National Day holidays (1–7 October; Saturday 10 October is a make-up working day)."""
import datetime as dt
import zoneinfo
from decimal import Decimal

from aftersales.tests.factories import (
    ANSWER,
    CustomerFactory,
    DepartmentFactory,
    FollowUpFactory,
    ServiceVisitFactory,
    VehicleFactory,
)
from complaints.calendar import load_year
from complaints.services import register_complaint
from customers.loyalty import refresh_loyalty
from visits.services import record_attempt

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
OCTOBER = (2026, 10)


def at(month, day, hour, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def answers(score, fixed_right=True):
    return {"overall": score, "booking": score, "advisor": score, "repair_quality": score, "timeliness": score,
            "facility": score, "pickup_price": score, "fixed_right": fixed_right}


def reached(followup, agent, when, score, fixed_right=True):
    record_attempt(followup_id=followup.pk, agent=agent, outcome="reached", now=when,
                   answers=answers(score, fixed_right))


NOW = dt.datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)


def build_october(store, *, agent, supervisor, now=NOW):
    """Returns what was built; the expected figures are EXPECTED below."""
    load_year(2026)
    # Calls (maintenance and warranty: a call 3 days after the repair order).
    f1 = FollowUpFactory(store=store, due_on=dt.date(2026, 10, 12))
    f2 = FollowUpFactory(store=store, due_on=dt.date(2026, 10, 13))
    f3 = FollowUpFactory(store=store, due_on=dt.date(2026, 10, 14), repair_type="warranty")
    f4 = FollowUpFactory(store=store, due_on=dt.date(2026, 10, 15), repair_type="warranty")
    f5 = FollowUpFactory(store=store, due_on=dt.date(2026, 10, 16))
    f6 = FollowUpFactory(store=store, due_on=dt.date(2026, 11, 2))
    f7 = FollowUpFactory(store=store, due_on=dt.date(2026, 10, 20), status="skipped", skip_reason="do_not_contact")
    reached(f1, agent, at(10, 12, 10), 5)
    reached(f2, agent, at(10, 13, 10), 3)
    reached(f6, agent, at(11, 2, 10), 5)
    for moment in (at(10, 14, 10), at(10, 14, 12), at(10, 14, 14), at(10, 15, 9), at(10, 15, 11)):
        record_attempt(followup_id=f3.pk, agent=agent, outcome="no_answer", now=moment)
    # An unhappy answer: a dissatisfaction, and a complaint from it at once (c4, stays new).
    reached(f5, agent, at(10, 16, 10), 1, fixed_right=False)

    department = DepartmentFactory(store=store)
    # c1: registered in September, closed in October after the holidays.
    c1 = register_complaint(store=store, customer=CustomerFactory(store=store), by=supervisor,
                            channel="phone", category="repair_quality", description="异响", now=at(9, 30, 10))
    c1.assign(by=supervisor, department=department, now=at(10, 1, 9))
    c1.answer(by=supervisor, now=at(10, 9, 15), **ANSWER)
    c1.record_callback(by=supervisor, satisfied=True, customer_words="满意", now=at(10, 10, 10))
    # c2: acknowledged late, answered in time, reopened once, closed late.
    repeat_customer = CustomerFactory(store=store)
    c2 = register_complaint(store=store, customer=repeat_customer, by=supervisor, channel="walk_in",
                            category="waiting_time", description="等太久", now=at(10, 12, 9))
    c2.assign(by=supervisor, department=department, now=at(10, 13, 10))
    c2.answer(by=supervisor, now=at(10, 16, 17), **ANSWER)
    c2.record_callback(by=supervisor, satisfied=False, customer_words="还是不行", now=at(10, 19, 10))
    c2.answer(by=supervisor, now=at(10, 20, 10), **ANSWER)
    c2.record_callback(by=supervisor, satisfied=True, customer_words="好了", now=at(10, 21, 10))
    # c3: cancelled as a duplicate: counts nowhere.
    c3 = register_complaint(store=store, customer=CustomerFactory(store=store), by=supervisor,
                            channel="phone", category="other", description="重复", now=at(10, 14, 10))
    c3.cancel(by=supervisor, reason="重复登记", now=at(10, 14, 11))
    # c5: the same customer again (a repeat), acknowledged in time, answered late (3 working days
    # strictly between 20 and 26 October: the 21st, 22nd and 23rd).
    c5 = register_complaint(store=store, customer=repeat_customer, by=supervisor, channel="phone",
                            category="price", description="太贵", now=at(10, 20, 10))
    c5.assign(by=supervisor, department=department, now=at(10, 20, 12))
    c5.answer(by=supervisor, now=at(10, 26, 10), **ANSWER)

    # Customers by tier now: one churned, one lapsing, one loyal (besides the seven of the calls).
    churned = VehicleFactory(owner=CustomerFactory(store=store))
    ServiceVisitFactory(vehicle=churned, opened_at=now - dt.timedelta(days=400))
    lapsing = VehicleFactory(owner=CustomerFactory(store=store))
    ServiceVisitFactory(vehicle=lapsing, opened_at=now - dt.timedelta(days=220))
    loyal = VehicleFactory(owner=CustomerFactory(store=store))
    for days in (60, 120, 200, 300):
        ServiceVisitFactory(vehicle=loyal, opened_at=now - dt.timedelta(days=days))
    refresh_loyalty(store_ids=[store.pk], now=now)
    return {"followups": [f1, f2, f3, f4, f5, f6, f7], "complaints": [c1, c2, c3, c5], "department": department}


# Counted by hand from the story above.
EXPECTED = {
    # due: f1–f5 (f6 is due in November, f7 is skipped); made: f1, f2, f3 (unreachable), f5.
    "return_visit_rate": (4, 5, Decimal("80.0")),
    "contact_rate": (3, 4, Decimal("75.0")),
    "warranty_return_visit_rate": (1, 2, Decimal("50.0")),
    # October's surveys: f1 (5), f2 (3), f5 (1); f6's is November's.
    "satisfaction_rate": (1, 3, Decimal("33.3")),
    "average_score": (9, 3, Decimal("3.00")),
    "satisfaction_booking": (1, 3, Decimal("33.3")),
    "score_booking": (9, 3, Decimal("3.00")),
    "fixed_right_first_time": (2, 3, Decimal("66.7")),
    "dissatisfactions": (1, None, Decimal("1")),
    # registered in October: c2, c4 (from f5), c5; c3 is cancelled, c1 September's.
    "complaints": (3, None, Decimal("3")),
    # repair orders opened in October: those of f1–f7 (opened 3 days before each call is due).
    "complaint_rate": (3, 7, Decimal("42.9")),
    "repair_orders": (7, None, Decimal("7")),
    # c5 within 24 h; c2 after 25 h; c4 not yet.
    "acknowledged_24h": (1, 3, Decimal("33.3")),
    # reached a department: c2 (answered in time), c5 (late).
    "answered_3d": (1, 2, Decimal("50.0")),
    # closed in October: c1 (the holidays make 30 Sep → 10 Oct two working days between), c2 (six).
    "closed_on_time": (1, 2, Decimal("50.0")),
    # working days taken: c1 8, 9, 10 Oct = 3; c2 13–16, 19–21 Oct = 7.
    "time_to_close": (10, 2, Decimal("5.00")),
    "reopened": (1, None, Decimal("1")),
    "repeat_complaints": (1, None, Decimal("1")),
    "loyal_customers": (1, None, Decimal("1")),
    "lapsing_customers": (1, None, Decimal("1")),
    "churned_customers": (1, None, Decimal("1")),
    # with at least one visit: the seven customers of the calls and the three above.
    "churn_rate": (1, 10, Decimal("10.0")),
}
