"""The whole group: its stores one after the other, each in chunks (`Chunk`) loaded by COPY
while the next chunk is generated, then statistics and the loyalty check."""
from __future__ import annotations

import contextlib
import queue
import threading
import time

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from aftersales.models import Store
from aftersales.planner import refresh_statistics
from appointments.generation import add_appointments
from appointments.models import Appointment, AppointmentTransition, DayLoad, SlotLoad, WalkIn
from complaints.generation import add_complaints, order_complaints_by_registration
from complaints.models import Complaint, ComplaintTransition
from visits.generation import add_calls, ensure_agents, ensure_call_rules
from visits.models import CallAttempt, FollowUp

from ..loyalty import DEFAULTS as LOYALTY_DEFAULTS
from ..loyalty import refresh_loyalty
from ..models import Customer, ServiceVisit, Vehicle, VehicleOwnership
from .chunk import Chunk
from .common import (
    CHUNK_CUSTOMERS,
    SHANGHAI,
    UTC,
    copy_lines,
    loading_transaction,
    reserve_ids,
)
from .plan import (
    DEFAULT_SEED,
    PREFIX,
    Plan,
    StoreProfile,
    ensure_stores,
    orders_before,
    vehicles_before,
)


class GroupGenerator:
    def __init__(self, scale: float, seed=DEFAULT_SEED, log=None):
        self.plan = Plan.for_scale(scale)
        self.seed = seed
        self.log = log or (lambda message: None)
        now = timezone.now().replace(microsecond=0)
        self.now_epoch = int(now.timestamp())
        self.today = now.astimezone(SHANGHAI).date()
        # Loyalty cut-offs exactly as customers.loyalty computes them (calendar months, in UTC,
        # the session time zone Django uses).
        self.now = now
        self.loyalty_bounds = tuple(
            (now.astimezone(UTC) - relativedelta(months=months)).timestamp()
            for months in (
                LOYALTY_DEFAULTS["window_months"],
                LOYALTY_DEFAULTS["lapsing_after_months"],
                LOYALTY_DEFAULTS["churned_after_months"],
            )
        )

    def run(self) -> dict:
        started = time.perf_counter()
        stores = ensure_stores(self.plan.stores)
        touched, complained = [], False  # complained: complaints or appointments were added
        for number, (store, target) in enumerate(zip(stores, self.plan.customers), start=1):
            done = Customer.objects.filter(store=store).count()
            if done and not CallAttempt.objects.filter(store=store).exists():
                # Generated before the return-visit calls were: add them to what is there.
                store_started = time.perf_counter()
                add_calls(self, self.profile(number, store))
                touched.append(store.pk)
                self.log(f"{store.code}: calls added in {time.perf_counter() - store_started:.1f}s")
            if done < target:
                store_started = time.perf_counter()
                self.generate_store(self.profile(number, store), done, target)
                touched.append(store.pk)
                self.log(f"{store.code}: customers {done}→{target} in {time.perf_counter() - store_started:.1f}s")
            # Complaints once the store's customers are complete (complaints.generation).
            store_started = time.perf_counter()
            if added := add_complaints(self, number, store, target):
                complained = True
                self.log(f"{store.code}: {added} complaints in {time.perf_counter() - store_started:.1f}s")
            # Appointments and walk-ins of the orders that have neither yet (appointments.generation).
            store_started = time.perf_counter()
            if added := add_appointments(self, number, store):
                complained = True
                self.log(f"{store.code}: {added} appointments in {time.perf_counter() - store_started:.1f}s")
        if complained:
            order_complaints_by_registration()
        # Statistics first: without them the loyalty refresh plans badly (seconds a store).
        self.analyze(vacuum=bool(touched) or complained)
        if touched:
            self.refresh_loyalty(touched)
        return {**self.counts(), "seconds": round(time.perf_counter() - started, 1)}

    def profile(self, number: int, store: Store) -> StoreProfile:
        profile = StoreProfile.build(number, store, self.seed)
        profile.rules = ensure_call_rules(store)
        profile.agents = ensure_agents(store, number, self.seed)
        return profile

    def generate_store(self, profile: StoreProfile, done: int, target: int):
        """Customers [done, target) of one store, a chunk per transaction.

        Two cores: a thread generates the next chunk's COPY lines (pure Python, no database)
        while this one streams the previous chunk into PostgreSQL, whose backend does the
        parsing and index work on the other core. Waiting on the socket releases the GIL."""
        with connection.cursor() as cursor:
            # Ids for the whole store up front, so the generating thread needs no database.
            customer_ids = reserve_ids(cursor, Customer, target - done)
            vehicle_ids = reserve_ids(cursor, Vehicle, vehicles_before(target) - vehicles_before(done))
            order_ids = reserve_ids(
                cursor, ServiceVisit,
                orders_before(vehicles_before(target)) - orders_before(vehicles_before(done)),
            )
            # As many as the orders could have (about half are used; the sequence is bigint).
            per_order = profile.calls_per_order
            followup_ids = reserve_ids(cursor, FollowUp, per_order * len(order_ids))
        ranges = [
            (first, min(first + CHUNK_CUSTOMERS, target))
            for first in range(done, target, CHUNK_CUSTOMERS)
        ]
        v_done = vehicles_before(done)
        o_done = orders_before(v_done)
        stop = threading.Event()
        chunks: queue.Queue = queue.Queue(maxsize=2)

        def produce():
            try:
                for first, last in ranges:
                    if stop.is_set():
                        return
                    chunk = Chunk(self, profile, first, last)
                    chunk.plan(
                        customer_ids[first - done:last - done],
                        vehicle_ids[vehicles_before(first) - v_done:vehicles_before(last) - v_done],
                        order_ids[
                            orders_before(vehicles_before(first)) - o_done:
                            orders_before(vehicles_before(last)) - o_done
                        ],
                        followup_ids[
                            per_order * (orders_before(vehicles_before(first)) - o_done):
                            per_order * (orders_before(vehicles_before(last)) - o_done)
                        ],
                    )
                    chunks.put(chunk.tables())
                chunks.put(None)
            except BaseException as error:  # handed to the loading thread, which raises it
                chunks.put(error)

        producer = threading.Thread(target=produce, name=f"generate-{profile.store.code}", daemon=True)
        producer.start()
        try:
            while (tables := chunks.get()) is not None:
                if isinstance(tables, BaseException):
                    raise tables
                self.load_chunk(tables)
        finally:
            stop.set()
            with contextlib.suppress(queue.Empty):
                chunks.get_nowait()  # unblock a producer waiting to put
            producer.join(timeout=60)

    def load_chunk(self, tables):
        """One chunk's rows, table by table in foreign-key order, in one transaction."""
        with loading_transaction():
            with connection.connection.cursor() as cursor:
                for model, columns, lines in tables:
                    copy_lines(cursor, model, columns, lines)

    def refresh_loyalty(self, store_ids):
        """Checks the loyalty fields written during generation, store by store."""
        changed = 0
        for store_id in store_ids:
            with loading_transaction():
                changed += refresh_loyalty(store_ids=[store_id], now=self.now)
        self.log(f"loyalty refreshed: {changed} customers changed")

    def analyze(self, vacuum: bool):
        refresh_statistics(
            Store, Customer, Vehicle, VehicleOwnership, ServiceVisit, FollowUp, CallAttempt,
            Complaint, ComplaintTransition, Appointment, AppointmentTransition, WalkIn, SlotLoad, DayLoad,
            vacuum=vacuum,
        )

    @staticmethod
    def counts() -> dict:
        stores = Store.objects.filter(code__startswith=PREFIX)
        return {
            "stores": stores.count(),
            "customers": Customer.objects.filter(store__in=stores).count(),
            "vehicles": Vehicle.objects.filter(store__in=stores).count(),
            "repair_orders": ServiceVisit.objects.filter(store__in=stores).count(),
            "followups": FollowUp.objects.filter(store__in=stores).count(),
            "call_attempts": CallAttempt.objects.filter(store__in=stores).count(),
            "complaints": Complaint.objects.filter(store__in=stores).count(),
            "appointments": Appointment.objects.filter(store__in=stores).count(),
            "walk_ins": WalkIn.objects.filter(store__in=stores).count(),
        }


def generate_dealer_group(scale: float, seed=DEFAULT_SEED, log=None) -> dict:
    """Build (or top up) the dealer group at `scale`; returns the group's counts and seconds."""
    return GroupGenerator(scale, seed=seed, log=log).run()
