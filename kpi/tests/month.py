"""October 2026 at one store, built through the real services (repair orders, calls with their
surveys, complaints through their loop, appointments booked, confirmed, arrived and missed, a
walk-in), customer care's occasions as its daily job leaves them, with every figure counted by hand.
October 2026 has the National Day holidays (1–7 October; Saturday 10 October is a make-up working day)."""
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
from appointments import services as appointment_services
from appointments.models import Appointment, ServiceType
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


def build_october(store, *, agent, supervisor, advisor, now=NOW):
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
    appointments = build_appointments(store, advisor=advisor)
    care = build_care(store, reminded=appointments["a4"].vehicle)
    return {"followups": [f1, f2, f3, f4, f5, f6, f7], "complaints": [c1, c2, c3, c5], "department": department,
            "appointments": appointments, "care": care}


def build_appointments(store, *, advisor):
    """a1 phone, confirmed on the D-2 call, arrived; a2 online, a no-show; a3 cancelled; a4 booked
    from a maintenance reminder, confirmed, arrived and completed; a5 booked in October for
    November; one walk-in on 22 October."""
    service_type = ServiceType.objects.filter(store=store).order_by("pk").first()

    def book(day, source, by, booked_on=15, hour=10):
        vehicle = VehicleFactory(owner=CustomerFactory(store=store))
        month = 11 if day < 10 else 10
        return appointment_services.book(
            store=store, customer=vehicle.owner, vehicle=vehicle, service_type=service_type,
            starts_at=at(month, day, hour), source=source, by=by, advisor=advisor if by else None,
            now=at(10, booked_on, 9))

    source = Appointment.Source
    a1 = book(20, source.PHONE, advisor)
    a1.confirm(by=advisor, now=at(10, 18, 10))
    a1.arrive(by=advisor, now=at(10, 20, 9, 50))
    a2 = book(21, source.ONLINE, None)
    a2.mark_no_show(now=at(10, 21, 12))
    a3 = book(22, source.PHONE, advisor)
    a3.cancel(by=advisor, reason="改天", now=at(10, 19, 10))
    a4 = book(23, source.MAINTENANCE_REMINDER, advisor, booked_on=16)
    a4.confirm(by=advisor, now=at(10, 21, 10))
    a4.arrive(by=advisor, now=at(10, 23, 10, 5))
    a4.complete(by=advisor, now=at(10, 23, 15))
    a5 = book(3, source.PHONE, advisor, booked_on=28)
    walk_in = appointment_services.record_walk_in(
        store=store, vehicle=VehicleFactory(owner=CustomerFactory(store=store)), by=advisor, advisor=advisor,
        now=at(10, 22, 11))
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "walk_in": walk_in}


def build_care(store, *, reminded):
    """Customer care's occasions of October as the daily job leaves them, with the outcomes the
    calls recorded: renewals (policies expiring in October), maintenance reminders and recalls."""
    from visits.models import CareOccasion

    kind = CareOccasion.Kind
    made = []

    def occasion(kind_, created, due_on=None, vehicle=None, **fields):
        vehicle = vehicle or VehicleFactory(owner=CustomerFactory(store=store))
        made.append(CareOccasion.objects.create(
            store=store, customer=vehicle.owner, vehicle=vehicle, kind=kind_, created_at=created,
            key=f"{kind_}:{vehicle.pk}:{len(made)}", due_on=due_on or created.date(), **fields))
        return made[-1]

    # Renewals: r1, r2 renewed with us; r3 elsewhere; r4 car sold; r5 not answered yet; r6 called
    # twice (no answer, then renewed with us: the latest outcome counts once); r7 expires in November.
    for outcome in ("renewed_here", "renewed_here", "renewed_elsewhere", "sold_car", ""):
        occasion(kind.INSURANCE, at(9, 20, 8), due_on=dt.date(2026, 10, 20), renewal_outcome=outcome,
                 outcome_at=at(9, 25, 10) if outcome else None)
    twice = VehicleFactory(owner=CustomerFactory(store=store))
    occasion(kind.INSURANCE, at(9, 10, 8), due_on=dt.date(2026, 10, 25), vehicle=twice)
    occasion(kind.INSURANCE, at(9, 25, 8), due_on=dt.date(2026, 10, 25), vehicle=twice,
             renewal_outcome="renewed_here", outcome_at=at(9, 26, 10))
    occasion(kind.INSURANCE, at(10, 10, 8), due_on=dt.date(2026, 11, 5), renewal_outcome="renewed_here",
             outcome_at=at(10, 12, 10))
    # Maintenance reminders: m1 booked from it (a4, booked on 16 October); m2 came in for a repair
    # order 10 days later; m3 came in 40 days later (too late); m4 nothing. (Their repair orders
    # fall in November: October's repair orders stay those of the calls.)
    occasion(kind.MAINTENANCE, at(10, 14, 9), vehicle=reminded)
    m2 = occasion(kind.MAINTENANCE, at(10, 25, 9))
    ServiceVisitFactory(vehicle=m2.vehicle, opened_at=at(11, 4, 9))
    m3 = occasion(kind.MAINTENANCE, at(10, 6, 9))
    ServiceVisitFactory(vehicle=m3.vehicle, opened_at=at(11, 15, 9))
    occasion(kind.MAINTENANCE, at(10, 8, 9))
    # Recalls: w1 came back a month later (won back); w2 did not; w3 is September's.
    w1 = occasion(kind.RECALL, at(10, 9, 9), recall_reason="price", outcome_at=at(10, 9, 11))
    ServiceVisitFactory(vehicle=w1.vehicle, opened_at=at(11, 9, 9))
    occasion(kind.RECALL, at(10, 12, 9), recall_reason="moved", outcome_at=at(10, 12, 11))
    occasion(kind.RECALL, at(9, 12, 9))
    return made


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
    # came in October: a1 and a4 with their appointments, one walk-in.
    "appointment_rate": (2, 3, Decimal("66.7")),
    # due in October: a1, a2, a4 (a3 cancelled, a5 November's); shown a1, a4.
    "show_rate": (2, 3, Decimal("66.7")),
    "no_show_rate": (1, 3, Decimal("33.3")),
    "online_share": (1, 3, Decimal("33.3")),
    "d2_confirmation_rate": (2, 3, Decimal("66.7")),
    # reminders of October: m1 (booked), m2 (repair order in 10 days), m3 (40 days: too late), m4.
    "reminder_conversion": (2, 4, Decimal("50.0")),
    # policies expiring in October: r1–r5 and r6 once; renewed with us r1, r2, r6; r4 sold leaves the base.
    "renewal_rate": (3, 5, Decimal("60.0")),
    # recalled in October: w1 (back in November), w2.
    "won_back": (1, 2, Decimal("50.0")),
}
