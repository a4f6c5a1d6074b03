"""Every figure of a store's month counted again straight from the tables, by a code path of its
own (plain SQL and Python, no selector and no kpi.metrics source), to check what the pages and
the kept report show. Reading other apps' tables here is the point: it must not share their code.

Counts only: numerators and denominators, which decide every value shown."""
import datetime as dt
import zoneinfo
from collections import defaultdict

from django.db import connection

DIMENSIONS = ["booking", "advisor", "repair_quality", "timeliness", "facility", "pickup_price"]
ACK_HOURS = 24
ANSWER_DAYS = 3
CLOSE_DAYS = 5


def _one(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _all(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def recount(store, start: dt.date, end: dt.date) -> dict:
    """{figure: (numerator, denominator or None)} for the store's month [start, end)."""
    zone = zoneinfo.ZoneInfo(store.time_zone)
    begin = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    finish = dt.datetime.combine(end, dt.time(), tzinfo=zone)
    p = {"store": store.pk, "start": start, "end": end, "begin": begin, "finish": finish}
    counts = {}

    due, made, reached, w_due, w_made = _one(
        """SELECT count(*),
                  count(*) FILTER (WHERE f.status IN ('done', 'unreachable')),
                  count(*) FILTER (WHERE f.status = 'done' AND f.outcome = 'reached'),
                  count(*) FILTER (WHERE v.repair_type = 'warranty'),
                  count(*) FILTER (WHERE v.repair_type = 'warranty' AND f.status IN ('done', 'unreachable'))
           FROM visits_followup f LEFT JOIN customers_servicevisit v ON v.id = f.visit_id
           WHERE f.store_id = %(store)s AND f.due_on >= %(start)s AND f.due_on < %(end)s
             AND f.merged_into_id IS NULL AND f.status NOT IN ('skipped', 'cancelled')""", p)
    counts.update(return_visit_rate=(made, due), contact_rate=(reached, made),
                  warranty_return_visit_rate=(w_made, w_due))

    survey_rows = _all(
        f"""SELECT overall, {", ".join(DIMENSIONS)}, fixed_right FROM visits_surveyresponse
            WHERE store_id = %(store)s AND recorded_at >= %(begin)s AND recorded_at < %(finish)s""", p)
    for index, name in enumerate(["overall", *DIMENSIONS]):
        answers = [row[index] for row in survey_rows if row[index] is not None]
        satisfied = sum(1 for score in answers if score >= 4)
        key_rate = "satisfaction_rate" if name == "overall" else f"satisfaction_{name}"
        key_score = "average_score" if name == "overall" else f"score_{name}"
        counts[key_rate] = (satisfied, len(answers))
        counts[key_score] = (sum(answers), len(answers))
    fixed = [row[-1] for row in survey_rows if row[-1] is not None]
    counts["fixed_right_first_time"] = (sum(1 for answer in fixed if answer), len(fixed))

    (dissatisfactions,) = _one(
        """SELECT count(*) FROM visits_dissatisfaction
           WHERE store_id = %(store)s AND created_at >= %(begin)s AND created_at < %(finish)s""", p)
    counts["dissatisfactions"] = (dissatisfactions, None)
    (orders,) = _one(
        """SELECT count(*) FROM customers_servicevisit
           WHERE store_id = %(store)s AND opened_at >= %(begin)s AND opened_at < %(finish)s
             AND status <> 'cancelled'""", p)
    counts["repair_orders"] = (orders, None)

    counts.update(_complaints(store, p, zone, orders))

    loyal, lapsing, churned, with_visits = _one(
        """SELECT count(*) FILTER (WHERE loyalty_tier = 'loyal'), count(*) FILTER (WHERE loyalty_tier = 'lapsing'),
                  count(*) FILTER (WHERE loyalty_tier = 'churned'), count(*) FILTER (WHERE visit_count >= 1)
           FROM customers_customer WHERE store_id = %(store)s AND merged_into_id IS NULL""", p)
    score_sum, checks = _one(
        """SELECT coalesce(sum(score), 0), count(*) FROM kpi_mysteryshoppercheck
           WHERE store_id = %(store)s AND checked_on >= %(start)s AND checked_on < %(end)s""", p)
    counts["mystery_shopper_score"] = (score_sum, checks)
    counts.update(loyal_customers=(loyal, None), lapsing_customers=(lapsing, None),
                  churned_customers=(churned, None), churn_rate=(churned, with_visits))
    counts.update(_appointments(p))
    counts.update(_care(p))
    return counts


def _appointments(p):
    due, shown, no_shows, online, confirmed = _one(
        """SELECT count(*) FILTER (WHERE status <> 'cancelled'),
                  count(*) FILTER (WHERE status IN ('arrived', 'completed')),
                  count(*) FILTER (WHERE status = 'no_show'),
                  count(*) FILTER (WHERE source = 'online' AND status <> 'cancelled'),
                  count(*) FILTER (WHERE confirmed_at IS NOT NULL AND status <> 'cancelled')
           FROM appointments_appointment
           WHERE store_id = %(store)s AND starts_at >= %(begin)s AND starts_at < %(finish)s""", p)
    (booked,) = _one(
        """SELECT count(*) FROM appointments_appointment
           WHERE store_id = %(store)s AND status IN ('arrived', 'completed')
             AND arrived_at >= %(begin)s AND arrived_at < %(finish)s""", p)
    (walk_ins,) = _one(
        """SELECT count(*) FROM appointments_walkin
           WHERE store_id = %(store)s AND arrived_at >= %(begin)s AND arrived_at < %(finish)s""", p)
    return {
        "appointment_rate": (booked, booked + walk_ins), "show_rate": (shown, due),
        "no_show_rate": (no_shows, due), "online_share": (online, due), "d2_confirmation_rate": (confirmed, due),
    }


REMINDER_DAYS = 30
WON_BACK_DAYS = 180


def _care(p):
    # Renewals: each policy (vehicle, expiry day) once, with its latest known outcome.
    policies = {}
    for vehicle_id, due_on, outcome, outcome_at in _all(
        """SELECT vehicle_id, due_on, renewal_outcome, outcome_at FROM visits_careoccasion
           WHERE kind = 'insurance' AND store_id = %(store)s AND due_on >= %(start)s AND due_on < %(end)s""", p):
        known = policies.get((vehicle_id, due_on))
        rank = (outcome != "", outcome_at or dt.datetime.min.replace(tzinfo=dt.UTC))
        if known is None or rank > known[0]:
            policies[(vehicle_id, due_on)] = (rank, outcome)
    outcomes = [outcome for _rank, outcome in policies.values()]
    renewed = sum(1 for outcome in outcomes if outcome == "renewed_here")
    base = sum(1 for outcome in outcomes if outcome != "sold_car")

    occasions = _all(
        """SELECT kind, customer_id, created_at FROM visits_careoccasion
           WHERE kind IN ('maintenance', 'recall') AND store_id = %(store)s
             AND created_at >= %(begin)s AND created_at < %(finish)s""", p)
    customers = list({row[1] for row in occasions})
    orders = defaultdict(list)
    for customer_id, opened_at in _all(
        """SELECT customer_id, opened_at FROM customers_servicevisit
           WHERE customer_id = ANY(%(customers)s) AND status <> 'cancelled'""", {"customers": customers}):
        orders[customer_id].append(opened_at)
    bookings = defaultdict(list)
    for customer_id, created_at in _all(
        """SELECT customer_id, created_at FROM appointments_appointment
           WHERE customer_id = ANY(%(customers)s) AND source = 'maintenance_reminder'
             AND status <> 'cancelled'""", {"customers": customers}):
        bookings[customer_id].append(created_at)
    reminders = booked = recalled = won = 0
    for kind, customer_id, created_at in occasions:
        if kind == "maintenance":
            reminders += 1
            limit = created_at + dt.timedelta(days=REMINDER_DAYS)
            booked += any(created_at <= when < limit for when in orders[customer_id] + bookings[customer_id])
        else:
            recalled += 1
            limit = created_at + dt.timedelta(days=WON_BACK_DAYS)
            won += any(created_at < when < limit for when in orders[customer_id])
    return {"reminder_conversion": (booked, reminders), "renewal_rate": (renewed, base),
            "won_back": (won, recalled)}


def _complaints(store, p, zone, orders):
    rows = _all(
        """SELECT id, customer_id, created_at, closed_at, status, rounds FROM complaints_complaint
           WHERE store_id = %(store)s AND status <> 'cancelled'
             AND ((created_at >= %(begin)s AND created_at < %(finish)s)
                  OR (closed_at >= %(begin)s AND closed_at < %(finish)s))""", p)
    ids = [row[0] for row in rows]
    moves = defaultdict(list)
    for complaint_id, at, from_status, to_status in _all(
        """SELECT complaint_id, at, from_status, to_status FROM complaints_complainttransition
           WHERE complaint_id = ANY(%(ids)s) ORDER BY at, id""", {"ids": ids}):
        moves[complaint_id].append((at, from_status, to_status))
    customers = list({row[1] for row in rows})
    earlier = defaultdict(list)
    for customer_id, complaint_id, created_at in _all(
        """SELECT customer_id, id, created_at FROM complaints_complaint
           WHERE customer_id = ANY(%(customers)s) AND status <> 'cancelled'""", {"customers": customers}):
        earlier[customer_id].append((complaint_id, created_at))
    special = dict(_all("SELECT day, is_working_day FROM complaints_calendarday", {}))

    def working(day):
        return special.get(day, day.weekday() < 5)

    def between(first, last):  # working days strictly between two dates
        return sum(1 for n in range(1, (last - first).days) if working(first + dt.timedelta(days=n)))

    def local(moment):
        return moment.astimezone(zone).date()

    registered = acknowledged = reached = answered = reopened = repeat = 0
    closed = on_time = days = 0
    for complaint_id, customer_id, created_at, closed_at, status, rounds in rows:
        if p["begin"] <= created_at < p["finish"]:
            registered += 1
            history = moves[complaint_id]
            acks = [at for at, from_status, _to in history if from_status == "new"]
            if acks and acks[0] <= created_at + dt.timedelta(hours=ACK_HOURS):
                acknowledged += 1
            assigned = [at for at, _from, to in history if to == "assigned"]
            answers = [at for at, _from, to in history if to == "answered"]
            if assigned:
                reached += 1
                if answers and between(local(assigned[0]), local(answers[0])) < ANSWER_DAYS:
                    answered += 1
            reopened += rounds >= 2
            window = _months_before(created_at, 12)
            repeat += any(other != complaint_id and window <= when < created_at
                          for other, when in earlier[customer_id])
        if status == "closed" and closed_at is not None and p["begin"] <= closed_at < p["finish"]:
            closed += 1
            first, last = local(created_at), local(closed_at)
            on_time += between(first, last) < CLOSE_DAYS
            days += between(first, last + dt.timedelta(days=1))
    return {
        "complaints": (registered, None), "complaint_rate": (registered, orders),
        "acknowledged_24h": (acknowledged, registered), "answered_3d": (answered, reached),
        "closed_on_time": (on_time, closed), "time_to_close": (days, closed),
        "reopened": (reopened, None), "repeat_complaints": (repeat, None),
    }


def _months_before(moment, months):
    """The moment `months` calendar months earlier (PostgreSQL's interval arithmetic)."""
    import calendar

    index = moment.year * 12 + moment.month - 1 - months
    year, month = index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
