"""The dealer-group data set for benchmarks: `manage.py generate_dealer_group --scale S`.

Scale 1 is the group of the design: 50 stores, 1,000,000 customers, 1,200,000 vehicles (every
fifth customer owns two), 5,000,000 repair orders over the last three years, and one open
ownership row per vehicle. Smaller scales shrink the number of stores and customers in
proportion (at least one store).

How it is built
- Rows are streamed into PostgreSQL with COPY (psycopg 3 `cursor.copy`), one table after the
  other, per *chunk* of customers of one store. A chunk's rows are generated from small
  in-memory plans (a few thousand customers at a time), never the whole data set.
- Every chunk is one transaction, so a store's customer count always marks how far it got:
  an interrupted run resumes where it stopped, a second run at the same scale adds nothing, and
  a run at a larger scale tops every store up to its new size.
- Everything is drawn from random generators seeded by (seed, store, first customer of the
  chunk), so the same chunk is the same data on every machine.
- The counts are exact by construction: customer k of a store (counting from 0) owns two
  vehicles when k % 5 == 0, so the first k customers own `vehicles_before(k)` vehicles, and
  the first v vehicles have `orders_before(v)` = v * 25 // 6 repair orders between them.
  The first customer of every store has exactly 30 repair orders (two vehicles, 15 each):
  the customer page benchmark opens that file.
- Loyalty fields are computed while the repair orders are generated and then checked by
  `customers.loyalty.refresh_loyalty` per store at the end (it should change nothing).
- Return-visit calls (visits): every store gets its call rules, two cs_agent users and, for its
  repair orders, the follow-ups and call attempts the morning job and the agents would have left
  by today (about 2 a repair order and 1.3 attempts a follow-up; not exact counts). A store
  generated before the calls existed gets them from its stored repair orders on the next run.
  How they are drawn: `visits.generation`.
- Appointments (appointments): about 40% of the orders not cancelled came from an appointment
  (2,000,000 at scale 1 with the no-shows and cancellations), the rest from walk-ins, plus the
  coming days' bookings with their capacity counters. How they are drawn: `appointments.generation`.
- Complaints: once a store's customers are complete, half a complaint a customer (500,000 at
  scale 1, 5% open) from its stored repair orders, with their transitions, the store's
  supervisor, manager and department heads, and the care calls after them; a store without
  complaints (or without their care calls) gets them on the next run. How: `complaints.generation`.

The modules: `plan` (sizes, reference data, stores and their profiles), `chunk` (one chunk's
rows and column lists), `generator` (the whole group, `generate_dealer_group`) and `common`
(COPY helpers, id reservation and the loading transaction, with the note on history triggers),
which `visits.generation` shares.

Adding a table (later modules): rows that hang off one chunk's customers, vehicles or repair
orders get a `*_rows` generator and a column list (in `chunk`, or in the owning app's
`generation` module as for the visits) and an entry in `Chunk.tables()` (kept in foreign-key
order); anything else (per store or group-wide) gets a step in `GroupGenerator.run` after the
chunks. Keep one generator and one column list per table.
"""
import importlib

# Looked up on first use (PEP 562) rather than imported here: visits.generation imports
# .common, which runs this file first, while .plan, .chunk and .generator import
# visits.generation. Importing them here would make `import visits.generation` circular.
_EXPORTS = {
    "CHUNK_CUSTOMERS": "common",
    "NULL": "common",
    "OrderRow": "common",
    "copy_lines": "common",
    "loading_transaction": "common",
    "reserve_ids": "common",
    "DEFAULT_SEED": "plan",
    "PREFIX": "plan",
    "Plan": "plan",
    "StoreProfile": "plan",
    "ensure_stores": "plan",
    "orders_before": "plan",
    "store_code": "plan",
    "vehicles_before": "plan",
    "Chunk": "chunk",
    "GroupGenerator": "generator",
    "generate_dealer_group": "generator",
}


def __getattr__(name):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_EXPORTS})
