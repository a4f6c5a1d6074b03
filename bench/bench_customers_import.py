"""Repair-order import figures: a generated DMS export of 100,000 rows at scale 1 (fewer below,
at least 2,000), previewed and then committed into a fresh store.

The import runs in a child process, so its peak memory is the import's own (Django included),
read from the child's resource usage; the budget is < 60 s and < 300 MB for 100,000 rows.
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_ROWS = 2_000


def _cleanup(store_id):
    """Remove what a run imported (raw deletes: the ORM's collector would load every row)."""
    from django.db import connection

    statements = [
        "DELETE FROM customers_servicevisit WHERE store_id = %s",
        "DELETE FROM customers_vehicleownership WHERE vehicle_id IN "
        "(SELECT id FROM customers_vehicle WHERE store_id = %s)",
        # Customer care's next-due rows, computed when the repair orders arrived.
        "DELETE FROM visits_vehicleservicedue WHERE vehicle_id IN "
        "(SELECT id FROM customers_vehicle WHERE store_id = %s)",
        "DELETE FROM customers_vehicle WHERE store_id = %s",
        "DELETE FROM customers_customer WHERE store_id = %s",
        "DELETE FROM customers_importmapping WHERE store_id = %s",
    ]
    try:
        from aftersales.models import Store

        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, [store_id])
        # The store's own settings rows (rules, capacity, wording, ...) are few: the ORM's
        # collector finds every one, whichever app added them.
        Store.objects.filter(pk=store_id).delete()
    except Exception as error:  # noqa: BLE001 - leftovers are harmless, just reported
        print(f"# customers_import: cleanup left rows behind: {error}", file=sys.stderr)
    _settle(["customers_servicevisit", "customers_vehicleownership", "visits_vehicleservicedue",
             "customers_vehicle", "customers_customer"])


def _settle(tables):
    """Vacuum what the run inserted and deleted (100,000 rows in each of the largest tables), so
    the modules measured after this one do not share the two cores with autovacuum doing it."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(connection.ops.quote_name(t) for t in tables)}")
    print(f"# customers_import: vacuumed after the cleanup in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)


def run(scale):
    from django.db import connection

    from aftersales.dburl import database_url
    from aftersales.models import Store
    from customers.imports.samples import CANONICAL_HEADERS, sample_rows, write_xlsx

    rows = max(MIN_ROWS, round(100_000 * scale))
    store = Store.objects.create(code=f"imp-{int(time.time())}", name="导入基准店")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dms.xlsx"
        write_xlsx(path, CANONICAL_HEADERS, sample_rows(rows, prefix=f"B{store.pk}-"))
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "DB_STATEMENT_TIMEOUT_MS": "0",
            # DEBUG would keep every statement (bulk inserts are large) in connection.queries.
            "DEBUG": "false",
        }
        connection.close()
        completed = subprocess.run(
            [sys.executable, "-m", "bench.bench_customers_import", str(path), str(store.pk)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )
    if completed.returncode != 0:
        _cleanup(store.pk)
        raise RuntimeError(f"import child failed:\n{completed.stderr[-4000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    _cleanup(store.pk)
    assert result["new"] == rows and result["errors"] == 0, result
    seconds = result["preview_s"] + result["commit_s"]
    yield "customers.import.rows", rows, "rows"
    yield "customers.import.preview_s", round(result["preview_s"], 1), "s"
    yield "customers.import.commit_s", round(result["commit_s"], 1), "s"
    yield "customers.import.rows_per_s", round(rows / seconds), "rows/s"
    yield "customers.import.peak_rss_mb", round(result["peak_rss_kb"] / 1024, 1), "MB"


def child(path, store_id):
    """In the child process: preview, then commit; print one JSON line."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.dev")
    django.setup()
    from aftersales.models import Store
    from customers.imports.service import import_file

    from django.db import connection

    store = Store.objects.get(pk=store_id)
    slow = []

    def note_slow(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - began
            if took > 1:
                slow.append((round(took, 1), " ".join(sql.split())[:90]))

    with connection.execute_wrapper(note_slow):
        started = time.perf_counter()
        preview = import_file(path, store)
        preview_s = time.perf_counter() - started
        started = time.perf_counter()
        outcome = import_file(path, store, commit=True)
        commit_s = time.perf_counter() - started
    for took, sql in slow:
        print(f"# slow statement {took} s: {sql}", file=sys.stderr)
    print(json.dumps({
        "preview_s": preview_s, "commit_s": commit_s, "new": outcome.new,
        "preview_new": preview.new, "errors": outcome.errors, "peak_rss_kb": _peak_rss_kb(),
    }))


def _peak_rss_kb():
    """This process's own peak resident memory. Linux carries the parent's peak at the fork into
    a child's `ru_maxrss` across exec, so after a long `make bench` (a parent of 300 MB) that
    figure is the parent's; the high-water mark of the process's own memory map is not."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    child(sys.argv[1], int(sys.argv[2]))
