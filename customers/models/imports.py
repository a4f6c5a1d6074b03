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
