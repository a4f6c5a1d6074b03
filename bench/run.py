"""Benchmark runner: `make bench`. Prints one figure a line as `name: value unit`.

BENCH_SCALE sets the data size: 1 is the dealer-group size of the design (~50 stores, 1M
customers, ...); 0.01 is a quick run. Benchmarks run against their own database,
`aftersales_bench`, kept between runs so large data sets are generated once.
Each module `bench/bench_*.py` has `run(scale)` yielding (name, value, unit) tuples.
`make bench ARGS=platform` runs only the modules whose name contains "platform".
Calibration figures come first (`bench.calibration.*`), so figures taken on different
machines can be compared, and again last (`bench.calibration_end.*`), so a run during which the
machine's speed changed shows it: two fixed workloads at the machine's best, and one of a page's
size timed like a page (fastest, median, p95), which shows how much slower its slow moments are.
"""
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def scale():
    return float(os.environ.get("BENCH_SCALE", "1"))


def p95_ms(samples_s):
    """95th percentile of durations in seconds, in milliseconds."""
    ordered = sorted(samples_s)
    return round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1)


def median_ms(samples_s):
    return round(statistics.median(samples_s) * 1000, 1)


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def count_queries(fn):
    """How many SQL statements `fn()` runs (the pages' fixed query counts)."""
    from django.db import connection

    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    return len(executed)


def calibration():
    """Two fixed workloads, best of 3, printed first so the figures after them can be read
    against the machine: a pure-Python loop (3 million additions) and one SQL statement that
    sums 3 million numbers in PostgreSQL (the server's CPU, no tables, no disk)."""
    from django.db import connection

    def python_loop():
        total = 0
        for i in range(3_000_000):
            total += i
        return total

    def sql_sum():
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(i) FROM generate_series(1, 3000000) AS i")
            cursor.fetchone()

    yield "bench.calibration.python_ms", round(min(timed(python_loop, 3)) * 1000, 1), "ms"
    yield "bench.calibration.sql_ms", round(min(timed(sql_sum, 3)) * 1000, 1), "ms"
    yield from request_calibration()


REQUEST_SAMPLES = 200


def request_calibration():
    """A fixed workload of a page's size (150,000 additions in Python, then PostgreSQL summing
    30,000 numbers), timed 200 times: its fastest, median and p95 in ms.

    The best-of-3 figures above say how fast the machine is at its best; the pages' figures are
    95th percentiles, which also take in the moments a shared machine is slower (seen here: this
    workload's p95 at 1.9 times its fastest, from one second to the next). Read a page's p95
    against this workload's p95 as well as against the best-of-3 figures."""
    from django.db import connection

    def request_sized():
        total = 0
        for i in range(150_000):
            total += i
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(i) FROM generate_series(1, 30000) AS i")
            cursor.fetchone()

    request_sized()
    samples = sorted(timed(request_sized, REQUEST_SAMPLES))
    yield "bench.calibration.request_fastest_ms", round(samples[0] * 1000, 2), "ms"
    yield "bench.calibration.request_median_ms", median_ms(samples), "ms"
    yield "bench.calibration.request_p95_ms", p95_ms(samples), "ms"


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.dev")
    import django

    django.setup()
    from django.db import connection

    # BENCH_DATABASE: another data set beside the default one (e.g. a quick scale while the
    # full one is being generated).
    connection.settings_dict["TEST"]["NAME"] = os.environ.get("BENCH_DATABASE", "aftersales_bench")
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)


def main(selected):
    setup_django()
    from aftersales.server import settle_startup_heap

    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    print(f"bench.scale: {scale()} x")
    for figure, value, unit in calibration():
        print(f"{figure}: {value} {unit}", flush=True)
    chosen = [importlib.import_module(f"bench.{name}") for name in modules
              if not selected or any(s in name for s in selected)]
    # As a web process does once it has loaded the project (aftersales/wsgi.py), so the pages are
    # timed as the server runs them.
    settle_startup_heap()
    for module in chosen:
        for figure, value, unit in module.run(scale()):
            print(f"{figure}: {value} {unit}", flush=True)
    # Again at the end: a machine whose speed changed during the run (a shared host's neighbours)
    # shows it here, and the figures between are read against both.
    for figure, value, unit in calibration():
        print(f"{figure.replace('calibration', 'calibration_end')}: {value} {unit}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
