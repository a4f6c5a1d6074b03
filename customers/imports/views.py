"""Repair-order import: upload → column mapping → preview → commit, with a progress page
while a Celery task checks or imports a large file."""
import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from aftersales.jobs import enqueue_on_commit
from aftersales.scoping import for_user, get_for_user_or_404

from ..models import ImportJob, ImportMapping
from . import jobs, mappings
from .columns import COLUMNS, auto_match, missing_columns, opened_from_closed
from .forms import MappingForm, RepairTypeForm, UploadForm
from .rows import error_message

PERMISSION = "customers.import_repair_orders"
ERRORS_PER_PAGE = 100
WARNINGS_SHOWN = 200
RECENT_JOBS = 20
RUNNING = ImportJob.RUNNING


def _job(request, pk, *, lock=False):
    queryset = ImportJob.objects.select_related("store", "created_by")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_for_user_or_404(queryset, request.user, pk=pk)


@permission_required(PERMISSION, raise_exception=True)
def upload(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            store = form.cleaned_data["store"]
            upload = form.cleaned_data["file"]
            saved = mappings.saved_columns(store)
            with transaction.atomic():
                job = ImportJob(
                    store=store, created_by=request.user, original_name=upload.name[:200],
                    headers=form.headers, samples=form.samples,
                    columns={
                        **auto_match(form.headers, mappings.column_mapping(saved)),
                        mappings.REPAIR_TYPES_KEY: mappings.repair_type_mapping(saved),
                    },
                )
                job.file.save(upload.name, upload, save=False)
                job.save()
            return redirect("customers:imports:mapping", pk=job.pk)
    else:
        form = UploadForm(user=request.user)
    jobs = for_user(ImportJob.objects.select_related("store", "created_by"), request.user)[:RECENT_JOBS]
    return render(request, "customers/imports/upload.html", {"form": form, "jobs": jobs})


def _start_preview(job):
    """Check the file now if it is small, else by a task; returns where to go next."""
    if jobs.runs_inline(job):
        jobs.preview_job(job.pk)
        return reverse("customers:imports:preview", args=[job.pk])
    from ..tasks import preview_import

    if job.queue_preview():
        enqueue_on_commit(preview_import, job.pk)
    return reverse("customers:imports:progress", args=[job.pk])


@permission_required(PERMISSION, raise_exception=True)
def mapping(request, pk):
    job = _job(request, pk)
    if job.status in RUNNING:
        return redirect("customers:imports:progress", pk=job.pk)
    if job.status == ImportJob.Status.COMMITTED:
        return redirect("customers:imports:preview", pk=job.pk)
    initial = mappings.column_mapping(job.columns)
    if request.method == "POST":
        form = MappingForm(request.POST, headers=job.headers)
        if form.is_valid():
            with transaction.atomic():
                job = _job(request, pk, lock=True)
                if not job.remap({
                    **form.columns,
                    mappings.REPAIR_TYPES_KEY: mappings.repair_type_mapping(job.columns),
                }):
                    return redirect("customers:imports:preview", pk=job.pk)
                mappings.save_mapping(job.store, form.columns, request.user)
                target = _start_preview(job)
            return redirect(target)
    else:
        form = MappingForm(headers=job.headers, initial=initial)
    saved = ImportMapping.objects.filter(store=job.store).exists()
    chosen = (
        {column.field: form.data.get(column.field, "") for column in COLUMNS} if form.is_bound else initial
    )
    rows = [
        (column, form[column.field], (job.samples or {}).get(chosen.get(column.field) or "", []))
        for column in COLUMNS
    ]
    return render(
        request, "customers/imports/mapping.html",
        {
            "job": job, "form": form, "rows": rows, "saved": saved,
            # Said before "Check the file", not only after it.
            "missing": missing_columns(chosen),
            "opened_from_closed": opened_from_closed(chosen),
            "samples": [(header, (job.samples or {}).get(header, [])) for header in job.headers if header],
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def preview(request, pk):
    job = _job(request, pk)
    if job.status in RUNNING:
        return redirect("customers:imports:progress", pk=job.pk)
    if job.status == ImportJob.Status.UPLOADED:
        return redirect("customers:imports:mapping", pk=job.pk)
    problems = job.row_errors or []
    page = Paginator(
        [item for item in problems if item.get("level", "error") == "error"], ERRORS_PER_PAGE
    ).get_page(request.GET.get("page"))
    labels = {column.field: column.label for column in COLUMNS}

    def shown(item):
        return {**item, "message": error_message(item.get("code"), item.get("params")),
                "label": labels.get(item.get("field"), item.get("field"))}

    errors = [shown(item) for item in page]
    warnings = [shown(item) for item in problems if item.get("level") == "warning"][:WARNINGS_SHOWN]
    summary = job.summary or {}
    unknown = summary.get("unknown_repair_types") or []
    type_form = (
        RepairTypeForm(values=unknown)
        if unknown and job.status == ImportJob.Status.PREVIEWED else None
    )
    return render(
        request, "customers/imports/preview.html",
        {
            "job": job,
            "summary": summary,
            "page": page,
            "errors": errors,
            "warnings": warnings,
            "truncated": len(job.row_errors) >= jobs.MAX_STORED_ERRORS,
            "type_form": type_form,
            "can_commit": job.status == ImportJob.Status.PREVIEWED
            and (summary.get("new", 0) + summary.get("changed", 0)) > 0,
        },
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def map_repair_types(request, pk):
    with transaction.atomic():
        job = _job(request, pk, lock=True)
        if job.status != ImportJob.Status.PREVIEWED:
            return redirect("customers:imports:preview", pk=job.pk)
        unknown = (job.summary or {}).get("unknown_repair_types") or []
        form = RepairTypeForm(request.POST, values=unknown)
        if not form.is_valid() or not form.mapping():
            messages.info(request, _("No repair type was mapped."))
            return redirect("customers:imports:preview", pk=job.pk)
        values = {**mappings.repair_type_mapping(job.columns), **form.mapping()}
        job.columns = {**job.columns, mappings.REPAIR_TYPES_KEY: values}
        job.save(update_fields=["columns"])
        mapping, _created = ImportMapping.objects.select_for_update().get_or_create(store=job.store)
        mapping.columns = {**mapping.columns, mappings.REPAIR_TYPES_KEY: {
            **mappings.repair_type_mapping(mapping.columns), **form.mapping()}}
        mapping.updated_by = request.user
        mapping.save()
        target = _start_preview(job)
    return redirect(target)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def commit(request, pk):
    with transaction.atomic():
        job = _job(request, pk, lock=True)
        if job.status != ImportJob.Status.PREVIEWED:
            messages.warning(request, _("This import has already been started or is not checked yet."))
            return redirect("customers:imports:preview", pk=job.pk)
        if jobs.runs_inline(job):
            job = jobs.commit_job(job.pk)
            if job.status == ImportJob.Status.COMMITTED:
                messages.success(request, _("The repair orders have been imported."))
            return redirect("customers:imports:preview", pk=job.pk)
        from ..tasks import commit_import

        if job.queue_commit():
            enqueue_on_commit(commit_import, job.pk)
    return redirect("customers:imports:progress", pk=job.pk)


@require_GET
@never_cache
@permission_required(PERMISSION, raise_exception=True)
def progress(request, pk):
    job = _job(request, pk)
    done = job.status not in RUNNING
    if done:
        target = reverse("customers:imports:preview", args=[job.pk])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    processed = jobs.read_progress(job)
    percent = min(100, round(100 * processed / job.total_rows)) if job.total_rows else 0
    context = {"job": job, "processed": processed, "percent": percent}
    if request.htmx:
        return render(request, "customers/imports/partials/progress_bar.html", context)
    return render(request, "customers/imports/progress.html", context)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def template(request):
    """An empty workbook with our canonical headers and one example row."""
    from openpyxl import Workbook

    from .samples import sample_rows

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Repair orders"))
    headers = [column.template_header for column in COLUMNS]
    sheet.append(headers)
    example = next(sample_rows(1))
    sheet.append([example.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="repair-order-import-template.xlsx"'
    return response
