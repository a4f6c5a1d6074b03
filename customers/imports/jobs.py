"""An import job's life: the uploaded file is previewed (in the request when small, else by a
task), then committed in one transaction; progress goes through the cache for the page to poll."""
import logging

import pghistory
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..loyalty import refresh_loyalty
from ..models import ImportJob, ServiceVisit
from ..signals import repair_orders_changed
from .readers import ImportFileError, open_table
from .rows import error_message
from .service import Importer

logger = logging.getLogger(__name__)

# Files with more rows than this are checked and imported by a Celery task.
INLINE_ROW_LIMIT = 2000
# Bad rows kept on the job (the count is always complete; the command prints every one).
MAX_STORED_ERRORS = 5000
PROGRESS_TIMEOUT = 6 * 60 * 60


def progress_key(job_id) -> str:
    return f"customers:import:{job_id}:progress"


def read_progress(job) -> int:
    value = cache.get(progress_key(job.pk))
    return job.processed_rows if value is None else value


class _ErrorCollector:
    """The rows' problems, errors and warnings in one bounded list (each item says its level)."""

    def __init__(self, limit=MAX_STORED_ERRORS):
        self.limit = limit
        self.items = []

    def _add(self, level, row, name, code, params, value):
        if len(self.items) < self.limit:
            self.items.append(
                {"row": row, "field": name, "code": code, "params": params, "value": value[:100],
                 "message": error_message(code, params), "level": level}
            )

    def __call__(self, *args):
        self._add("error", *args)

    def warning(self, *args):
        self._add("warning", *args)


def _progress(job):
    key = progress_key(job.pk)

    def report(done):
        cache.set(key, done, PROGRESS_TIMEOUT)

    return report


def _run(job, *, commit):
    errors = _ErrorCollector()
    importer = Importer(job.store, job.columns, on_error=errors, on_warning=errors.warning,
                        on_progress=_progress(job))
    with job.file.open("rb") as fileobj:
        outcome = importer.run(fileobj, job.original_name, commit=commit)
    return importer, outcome, errors


def estimate_rows(job) -> int | None:
    try:
        with job.file.open("rb") as fileobj, open_table(fileobj, job.original_name) as table:
            return table.estimated_rows
    except ImportFileError:
        return None


def runs_inline(job) -> bool:
    """Small files are checked and imported in the request; large ones by a task."""
    total = job.total_rows or estimate_rows(job)
    return total is not None and total <= INLINE_ROW_LIMIT


def preview_job(job_id) -> ImportJob:
    """Check every row of the job's file and count new / changed / unchanged / bad rows."""
    job = ImportJob.objects.select_related("store").get(pk=job_id)
    if not job.start_preview(job.total_rows or estimate_rows(job) or 0):
        return job
    cache.set(progress_key(job.pk), 0, PROGRESS_TIMEOUT)
    try:
        _importer, outcome, errors = _run(job, commit=False)
    except Exception as error:
        _fail(job, error, _("The file could not be checked because of an internal error."))
    else:
        _finish(job, ImportJob.Status.PREVIEWED, outcome, errors)
    job.refresh_from_db()
    return job


def commit_job(job_id) -> ImportJob:
    """Write the job's good rows in one transaction (all of them or none), once: the job is
    claimed inside that transaction, so a second caller (a double click, a task delivered
    twice) waits for the first and then finds the job imported."""
    job = ImportJob.objects.select_related("store").get(pk=job_id)
    if job.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.COMMITTING):
        return job
    cache.set(progress_key(job.pk), 0, PROGRESS_TIMEOUT)
    importer = None
    try:
        with transaction.atomic(), pghistory.context(import_job=job.pk):
            if job.claim_commit():
                importer, outcome, errors = _run(job, commit=True)
                _finish(job, ImportJob.Status.COMMITTED, outcome, errors, finished_at=timezone.now())
    except Exception as error:
        _fail(job, error, _("Nothing was imported: the import failed and was rolled back."))
    if importer is not None and job.status == ImportJob.Status.COMMITTED:
        refresh_loyalty(customer_ids=importer.touched_customers)
        repair_orders_changed.send(sender=ServiceVisit, customer_ids=importer.touched_customers)
    job.refresh_from_db()
    return job


def _fail(job, error, message):
    if isinstance(error, ImportFileError):
        message = str(error.message)
    else:
        logger.exception("Import %s failed", job.pk)
    job.fail(str(message))
    job.refresh_from_db()


def _finish(job, status, outcome, errors, **extra):
    job.finish(status, rows=outcome.rows, summary=outcome.summary(), row_errors=errors.items, **extra)
