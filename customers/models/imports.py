from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.scoping import StoreScopedQuerySet


class ImportMapping(models.Model):
    """How this store's DMS export names its columns, saved from the last confirmed import."""

    store = models.OneToOneField(
        "aftersales.Store", on_delete=models.CASCADE, related_name="import_mapping"
    )
    # {canonical field: header as written in the file}
    columns = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import column mapping")
        verbose_name_plural = _("import column mappings")


def import_path(job, filename):
    return f"imports/{job.store_id}/{timezone.now():%Y/%m}/{filename}"


class ImportJob(models.Model):
    """One upload of a DMS export, from mapping through preview to commit."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PREVIEWING = "previewing", _("Checking")
        PREVIEWED = "previewed", _("Checked")
        COMMITTING = "committing", _("Importing")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Failed")

    store = models.ForeignKey("aftersales.Store", on_delete=models.PROTECT, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to=import_path)
    original_name = models.CharField(max_length=200)
    headers = models.JSONField(default=list)
    # {header: [a few values of the first rows]}, shown beside the columns when mapping them.
    samples = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # rows, new, changed, unchanged, errors
    summary = models.JSONField(default=dict)
    # The first bad rows with their reasons: [{"row": 7, "field": "vin", "message": "..."}]
    row_errors = models.JSONField(default=list)
    failure = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name

    @property
    def progress_percent(self):
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    # --- The job's moves ---------------------------------------------------------------------
    # Each is one conditional UPDATE of this row (as healthchecks' sendalerts claims a check):
    # it changes the row only from the states the move starts from, and says whether it did,
    # so two requests or workers racing for the same move cannot both make it.
    RUNNING = (Status.PREVIEWING, Status.COMMITTING)

    def _move(self, from_states, **fields) -> bool:
        changed = type(self).objects.filter(pk=self.pk, status__in=from_states).update(**fields)
        if changed == 1:
            for name, value in fields.items():
                setattr(self, name, value)
        return changed == 1

    def remap(self, columns) -> bool:
        """New column mapping: back to "uploaded", to be checked again."""
        return self._move(
            (self.Status.UPLOADED, self.Status.PREVIEWED, self.Status.FAILED),
            columns=columns, status=self.Status.UPLOADED, total_rows=0,
        )

    def queue_preview(self) -> bool:
        """A task will check the file."""
        return self._move(
            (self.Status.UPLOADED, self.Status.PREVIEWED), status=self.Status.PREVIEWING, processed_rows=0,
        )

    def start_preview(self, total_rows) -> bool:
        """The check begins (in the request, or the task queued by queue_preview)."""
        return self._move(
            (self.Status.UPLOADED, self.Status.PREVIEWING, self.Status.PREVIEWED),
            status=self.Status.PREVIEWING, processed_rows=0, total_rows=total_rows,
        )

    def queue_commit(self) -> bool:
        """A task will import the checked file."""
        return self._move((self.Status.PREVIEWED,), status=self.Status.COMMITTING, processed_rows=0)

    def claim_commit(self) -> bool:
        """Take the import for this transaction: True for exactly one caller. Run it inside the
        import's transaction: a concurrent claim waits on the row and then finds it imported
        (or, if this import rolled back, still to do)."""
        return self._move(
            (self.Status.PREVIEWED, self.Status.COMMITTING), status=self.Status.COMMITTING, processed_rows=0,
        )

    def finish(self, status, *, rows, summary, row_errors, finished_at=None) -> bool:
        """Checked (PREVIEWED) or imported (COMMITTED), with what the pass found."""
        starts = {self.Status.PREVIEWED: self.Status.PREVIEWING, self.Status.COMMITTED: self.Status.COMMITTING}
        return self._move(
            (starts[status],), status=status, total_rows=rows, processed_rows=rows,
            summary=summary, row_errors=row_errors, failure="", finished_at=finished_at,
        )

    def fail(self, message) -> bool:
        """The pass could not run; never overwrites a finished import."""
        return self._move(
            (self.Status.UPLOADED, self.Status.PREVIEWING, self.Status.PREVIEWED, self.Status.COMMITTING),
            status=self.Status.FAILED, failure=message, finished_at=timezone.now(),
        )
