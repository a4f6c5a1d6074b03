"""python manage.py import_repair_orders FILE --store CODE [--commit]

Prints the preview summary, one `key: value` a line (rows, new, changed, unchanged, errors,
warnings, skipped), then every bad row and every warning (rows imported all the same); writes only with --commit (all good rows in one transaction, or nothing).
Columns are matched with the store's saved mapping, then the known synonyms."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.models import Store
from customers.imports.readers import ImportFileError
from customers.imports.rows import error_message
from customers.imports.service import import_file


class Command(BaseCommand):
    help = "Check (and with --commit, import) a DMS export of repair orders for one store."

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx or .csv export")
        parser.add_argument("--store", required=True, help="the store's code")
        parser.add_argument("--commit", action="store_true", help="write the good rows")

    def handle(self, *args, file, store, commit, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            target = Store.objects.get(code=store)
        except Store.DoesNotExist:
            raise CommandError(f"No store with the code {store!r}.") from None
        bad, warned = [], []

        def on_error(row, field, code, params, value):
            bad.append((row, field, code, params, value))

        def on_warning(row, field, code, params, value):
            warned.append((row, field, code, params, value))

        try:
            outcome = import_file(path, target, commit=commit, on_error=on_error, on_warning=on_warning)
        except ImportFileError as error:
            raise CommandError(str(error.message)) from None
        for key in ("rows", "new", "changed", "unchanged", "errors", "warnings", "skipped"):
            self.stdout.write(f"{key}: {getattr(outcome, key)}")
        for prefix, problems in (("", bad), ("warning: ", warned)):
            for row, field, code, params, value in problems:
                shown = f" ({value})" if value else ""
                self.stdout.write(f"{prefix}row {row}: {field}{shown}: {error_message(code, params)}")
        if outcome.skipped:
            rows = ", ".join(str(row) for row in outcome.skipped_rows)
            self.stdout.write(f"skipped (totals rows, no repair orders): row {rows}")
        if commit:
            self.stdout.write(
                f"committed: {outcome.new + outcome.changed} repair orders "
                f"({outcome.new_customers} new customers, {outcome.new_vehicles} new vehicles)"
            )
        else:
            self.stdout.write("nothing written (add --commit to import)")
