"""Appointment figures on the dealer-group data set (`generate_dealer_group` at BENCH_SCALE, with
about 2.5M appointments at scale 1: 2M arrived, the no-shows and cancellations, and the coming
days booked into the capacity counters), the pages through Django's test client as a service
advisor of one store:

- the availability of a store: its free times for the next 14 days with what is short at each
  (`appointments.capacity.availability`, what the booking pages show);
- the day book (预约看板) of the store's busiest day of the coming three;
- booking from the day book (htmx POST of the booking form: the counters claimed, the day book
  answered), a different car and a free slot each time; each booking is taken back afterwards
  (its capacity released and the row deleted), so the data set stays as generated;
- the appointment list (the first page, and this month's days as the KPI drill-down asks);
- the appointment page, a different appointment each request;
- the welcome board (the lobby screen, no login) and the online booking's first page (public).
"""
import random
import time

from bench.run import count_queries, p95_ms, timed

WARMUP = 5
REPEAT = 50
BOOK_REPEAT = 30
SEED = 11


def _advisor(store):
    from django.contrib.auth.models import Group

    from aftersales.models import User
    from aftersales.roles import sync_roles

    if not Group.objects.filter(name="advisor").exists():
        sync_roles()
    user, created = User.objects.get_or_create(username=f"bench-advisor-{store.code}",
                                               defaults={"full_name": "基准顾问"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name="advisor"))
        user.stores.add(store)
    return user


def _page(client, url, params=None, repeat=REPEAT):
    def fetch():
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code)

    for _ in range(WARMUP):
        fetch()
    queries = count_queries(fetch)
    return p95_ms(timed(fetch, repeat)), queries


def _busiest_day(store, today):
    import datetime as dt

    from appointments.models import Appointment

    days = [today + dt.timedelta(days=n) for n in range(3)]
    return max(days, key=lambda day: Appointment.objects.on_day(store, day).exclude(status="cancelled").count())


def _free_bookings(store, count, rng):
    """`count` (plate, local time text) pairs: cars without an upcoming appointment, each at a
    slot free for one more booking of an hour, from tomorrow on."""
    import datetime as dt

    from appointments import capacity
    from appointments.models import Appointment
    from customers.models import Vehicle

    today = capacity.local(store, capacity.timezone.now()).date()
    free = [slot.starts_at for day in capacity.availability(store, today + dt.timedelta(days=1), hours=2)
            for slot in day.slots if not slot.short]
    rng.shuffle(free)
    busy = set(Appointment.objects.filter(store=store, status__in=Appointment.UPCOMING)
               .values_list("vehicle_id", flat=True))
    plates = [plate for pk, plate in Vehicle.objects.filter(store=store).exclude(plate="")
              .order_by("-pk").values_list("pk", "plate")[:count * 3] if pk not in busy]
    return [(plate, capacity.local(store, at).strftime("%Y-%m-%dT%H:%M")) for plate, at in zip(plates, free)][:count]


def _book_figures(client, store):
    from django.urls import reverse

    from appointments import capacity
    from appointments.models import Appointment, ServiceType

    rng = random.Random(SEED)
    service_type = ServiceType.objects.get(store=store, name="常规保养")
    pairs = iter(_free_bookings(store, WARMUP + BOOK_REPEAT + 1, rng))
    url = reverse("appointments:book")
    before = set(Appointment.objects.filter(store=store, created_by__username=f"bench-advisor-{store.code}")
                 .values_list("pk", flat=True))

    def book():
        plate, at = next(pairs)
        response = client.post(url, {"store": store.code, "plate": plate, "service_type": service_type.pk,
                                     "starts_at": at, "source": "phone", "note": ""}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.status_code
        assert not response.has_header("HX-Retarget"), response.content.decode()[:2000]

    try:
        for _ in range(WARMUP):
            book()
        queries = count_queries(book)
        samples = timed(book, BOOK_REPEAT)
    finally:
        made = (Appointment.objects.filter(store=store, created_by__username=f"bench-advisor-{store.code}")
                .exclude(pk__in=before).select_related("store"))
        booked = len(made)
        for appointment in made:
            capacity.release(appointment)
            appointment.delete()
    assert booked == WARMUP + BOOK_REPEAT + 1, booked
    return [("appointments.book.p95_ms", p95_ms(samples), "ms"), ("appointments.book.queries", queries, "queries")]


def _detail_figure(client, store):
    from django.db.models import Max, Min
    from django.urls import reverse

    from appointments.models import Appointment

    rng = random.Random(SEED)
    rows = Appointment.objects.filter(store=store)
    bounds = rows.aggregate(low=Min("id"), high=Max("id"))
    ids = set()
    while len(ids) < WARMUP + REPEAT + 1:
        ids.update(rows.filter(id__in=[rng.randint(bounds["low"], bounds["high"]) for _ in range(200)])
                   .values_list("id", flat=True))
    ids = iter(sorted(ids))

    def fetch():
        response = client.get(reverse("appointments:detail", args=[next(ids)]))
        assert response.status_code == 200, response.status_code

    for _ in range(WARMUP):
        fetch()
    queries = count_queries(fetch)
    return [("appointments.detail.p95_ms", p95_ms(timed(fetch, REPEAT)), "ms"),
            ("appointments.detail.queries", queries, "queries")]


RACERS = 50


def _race_for_the_slot(store_id, vehicle_id, starts_at, by_id, barrier, results):
    """One of RACERS processes: book the car at `starts_at` the moment every process is ready."""
    import django

    django.setup()
    from django.db import connection

    from aftersales.models import Store, User
    from appointments.capacity import SlotTaken
    from appointments.models import Appointment, ServiceType
    from appointments.services import book
    from customers.models import Vehicle

    try:
        store = Store.objects.get(pk=store_id)
        vehicle = Vehicle.objects.select_related("owner").get(pk=vehicle_id)
        service_type = ServiceType.objects.get(store=store, name="常规保养")
        by = User.objects.get(pk=by_id)
        barrier.wait()
        try:
            book(store=store, customer=vehicle.owner, vehicle=vehicle, service_type=service_type,
                 starts_at=starts_at, source=Appointment.Source.PHONE, by=by)
            results.put("booked")
        except SlotTaken as taken:
            results.put("taken" if taken.alternatives else "taken without alternatives")
    except Exception as error:  # noqa: BLE001 - reported to the parent
        results.put(f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def _concurrent_last_slot(store):
    """RACERS processes, each with its own connection, book the last free place of one slot:
    the counter rows must let exactly one through and tell the others the nearest free times."""
    import datetime as dt
    import multiprocessing
    import os
    from collections import Counter

    from django.db import connection

    from aftersales.dburl import database_url
    from appointments import capacity
    from appointments.models import Appointment, ServiceType
    from appointments.services import book
    from customers.models import Vehicle

    advisor = _advisor(store)
    service_type = ServiceType.objects.get(store=store, name="常规保养")
    today = capacity.local(store, capacity.timezone.now()).date()
    busy = set(Appointment.objects.filter(store=store, status__in=Appointment.UPCOMING)
               .values_list("vehicle_id", flat=True))
    vehicles = [vehicle for vehicle in Vehicle.objects.filter(store=store).select_related("owner").order_by("-pk")
                [:RACERS * 4] if vehicle.pk not in busy]
    slot = next(slot for day in capacity.availability(store, today + dt.timedelta(days=2),
                                                      hours=service_type.labour_hours)
                for slot in day.slots if not slot.short and slot.left >= 1)
    filled = []
    try:
        # Fill the slot up to its last place.
        for _ in range(slot.left - 1):
            vehicle = vehicles.pop()
            filled.append(book(store=store, customer=vehicle.owner, vehicle=vehicle, service_type=service_type,
                               starts_at=slot.starts_at, source=Appointment.Source.PHONE, by=advisor))
        racers = [vehicles.pop() for _ in range(RACERS)]
        context = multiprocessing.get_context("spawn")
        barrier, results = context.Barrier(RACERS), context.Queue()
        inherited = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = database_url(connection.settings_dict)  # the bench database
        connection.close()
        processes = [context.Process(target=_race_for_the_slot,
                                     args=(store.pk, vehicle.pk, slot.starts_at, advisor.pk, barrier, results))
                     for vehicle in racers]
        try:
            for process in processes:
                process.start()
        finally:
            if inherited is not None:
                os.environ["DATABASE_URL"] = inherited
        answers = Counter(results.get(timeout=600) for _ in processes)
        for process in processes:
            process.join(timeout=60)
    finally:
        made = Appointment.objects.filter(store=store, starts_at=slot.starts_at,
                                          created_by=advisor).select_related("store")
        for appointment in made:
            capacity.release(appointment)
            appointment.delete()
    odd = {answer: count for answer, count in answers.items() if answer not in ("booked", "taken")}
    if odd:
        raise RuntimeError(f"racers' other answers: {odd}")
    return [("appointments.concurrent_last_slot.successes", answers["booked"], f"of {RACERS} processes"),
            ("appointments.concurrent_last_slot.taken", answers["taken"], "answers with the nearest free times")]


def _clear_job_output(since):
    """What the jobs wrote during the bench (calls, their history, messages), so the data set
    stays as it was; appointments they marked no-show are few and stay."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM visits_followupevent e USING visits_followup f WHERE e.pgh_obj_id = f.id "
                       "AND f.external_ref LIKE 'appointment:%%' AND f.created_at >= %s", [since])
        cursor.execute("DELETE FROM visits_followup WHERE external_ref LIKE 'appointment:%%' AND created_at >= %s",
                       [since])
        cursor.execute("DELETE FROM aftersales_outboundmessage WHERE kind = 'appointment_reminder' "
                       "AND created_at >= %s", [since])


def _job_figures():
    """The periodic jobs over the whole group's day: the D-2 confirmation calls (every booked
    appointment of the coming 12 days looked at), the D-1 reminder SMS (tomorrow's), and the
    no-show pass."""
    from django.utils import timezone

    from appointments import calls, jobs

    since = timezone.now()
    try:
        for name, job in (("confirmation_calls", calls.schedule_confirmation_calls),
                          ("reminders", jobs.send_reminders), ("no_shows", jobs.mark_no_shows)):
            started = time.perf_counter()
            made = job()
            yield f"appointments.{name}_job_s", round(time.perf_counter() - started, 2), "s"
            yield f"appointments.{name}_job_rows", made, "rows"
    finally:
        _clear_job_output(since)


def run(scale):
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from aftersales.models import Store
    from appointments import capacity
    from appointments.models import CapacitySettings
    from customers.generation import PREFIX, generate_dealer_group

    generate_dealer_group(scale)  # idempotent: cheap once the data set is there
    store = Store.objects.get(code=f"{PREFIX}001")
    client = Client()
    client.force_login(_advisor(store))
    today = capacity.local(store, timezone.now()).date()

    samples = timed(lambda: capacity.availability(store), WARMUP + REPEAT)[WARMUP:]
    queries = count_queries(lambda: capacity.availability(store))
    yield "appointments.availability.p95_ms", p95_ms(samples), "ms"
    yield "appointments.availability.queries", queries, "queries"

    day = _busiest_day(store, today)
    p95, queries = _page(client, reverse("appointments:day_book"), {"store": store.code, "day": day.isoformat()})
    yield "appointments.day_book.p95_ms", p95, "ms"
    yield "appointments.day_book.queries", queries, "queries"

    yield from _book_figures(client, store)

    url = reverse("appointments:list")
    first, first_queries = _page(client, url, {"store": store.pk})
    month = {"store": store.pk, "day_after": today.replace(day=1).isoformat(), "day_before": today.isoformat(),
             "kpi": "shown"}
    filtered, filtered_queries = _page(client, url, month)
    yield "appointments.list.p95_ms", max(first, filtered), "ms"
    yield "appointments.list.queries", max(first_queries, filtered_queries), "queries"

    yield from _detail_figure(client, store)

    public = Client()
    token = CapacitySettings.objects.get(store=store).welcome_board_token
    p95, queries = _page(public, reverse("appointments_public:welcome_board", args=[token]))
    yield "appointments.welcome_board.p95_ms", p95, "ms"
    yield "appointments.welcome_board.queries", queries, "queries"
    p95, queries = _page(public, reverse("appointments_online:start", args=[store.code]))
    yield "appointments.public_booking.p95_ms", p95, "ms"
    yield "appointments.public_booking.queries", queries, "queries"

    yield from _concurrent_last_slot(store)
    yield from _job_figures()
