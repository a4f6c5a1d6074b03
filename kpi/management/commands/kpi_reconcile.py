"""`python manage.py kpi_reconcile --month YYYY-MM [--store CODE]`: every figure of the month
counted again straight from the records (kpi.reconcile, a code path of its own) and compared
with what the report shows (the kept report of a closed month, else the pages' figures, read
where the pages read them: the reports replica when one is configured) and with the roll-up the
group's pages read (kpi.rollup), when it has the month. Exits non-zero on any difference."""
import re

from django.core.management.base import BaseCommand, CommandError

from aftersales.db_routers import reading_reports
from aftersales.models import Store
from kpi import metrics, reports, rollup
from kpi.metrics import FIGURES, Period
from kpi.models import MonthlyReport
from kpi.reconcile import recount


class Command(BaseCommand):
    help = "Recount every KPI figure of a month from the records and compare with the report; exit 1 on a difference."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--store", help="store code (default: every active store)")

    def handle(self, *args, month, store=None, **options):
        match = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise CommandError("--month must be YYYY-MM, e.g. 2026-10")
        period = Period.month(int(match.group(1)), int(match.group(2)))
        stores = Store.objects.filter(is_active=True).order_by("code")
        if store:
            stores = stores.filter(code=store)
            if not stores:
                raise CommandError(f"No active store with the code {store!r}")
        differences = 0
        for one in stores:
            with reading_reports() as read:
                kept = MonthlyReport.objects.filter(store=one, month=period.start).first()
                shown = kept.figures if kept else reports.live_figures([one.pk], period, metrics.zone_of([one]))
            counted = recount(one, period.start, period.end)
            source = "kept report" if kept else "pages"
            if read.freshness and read.freshness.note:
                source += f"; {read.freshness.note}"
            self.stdout.write(f"{one.code} {period} ({source})")
            for key in metrics.REPORT:
                on_report = shown.get(key)
                report_pair = (on_report["numerator"], on_report["denominator"]) if on_report else None
                if kept and on_report is None:
                    # A figure added after the month was closed: the kept report never showed it.
                    self.stdout.write(f"  {key}: not in the kept report (added later); records {counted[key]}")
                    continue
                if FIGURES[key].snapshot and kept:
                    # Customers by tier are as of the day the month was closed; now they may differ.
                    self.stdout.write(f"  {key}: {report_pair} as kept (a snapshot, not recounted)")
                    continue
                same = report_pair == counted[key]
                differences += not same
                mark = "ok" if same else "DIFFERENT"
                self.stdout.write(f"  {key}: report {report_pair} records {counted[key]} {mark}")
            differences += self._compare_rollup(one, period, counted)
        if differences:
            self.stderr.write(f"{differences} figure(s) differ from the records")
            raise SystemExit(1)
        self.stdout.write("every figure matches the records")

    def _compare_rollup(self, store, period, counted) -> int:
        """Differences between the roll-up's counts of the month and the records. Snapshot figures
        (customers by tier) are as of the roll-up's count and are not compared."""
        with reading_reports():
            rolled = rollup.kept_pairs(store, period)
        if rolled is None:
            self.stdout.write("  roll-up: no row for this month")
            return 0
        pairs, computed_at = rolled
        different = [key for key in metrics.REPORT
                     if not FIGURES[key].snapshot and pairs.get(key) != counted[key]]
        for key in different:
            self.stdout.write(f"  roll-up of {computed_at:%Y-%m-%d %H:%M}: {key} {pairs.get(key)} "
                              f"records {counted[key]} DIFFERENT")
        if not different:
            self.stdout.write(f"  roll-up of {computed_at:%Y-%m-%d %H:%M}: every figure matches")
        return len(different)
