"""An import job's moves: upload → checked → importing → imported (or failed), each a method
of ImportJob; the commit is claimed by a conditional UPDATE, so it runs once however often it
is asked for (two clicks, a task delivered twice)."""
import io

import pytest
from django.core.files.base import ContentFile

from aftersales.tests.concurrency import run_concurrently
from customers.imports import jobs
from customers.imports.columns import auto_match
from customers.imports.samples import CANONICAL_HEADERS, sample_rows, write_xlsx
from customers.models import Customer, ImportJob, ServiceVisit

ROWS = 30


def make_job(store, user, rows=ROWS):
    buffer = io.BytesIO()
    write_xlsx(buffer, CANONICAL_HEADERS, sample_rows(rows))
    job = ImportJob(store=store, created_by=user, original_name="dms.xlsx", headers=CANONICAL_HEADERS,
                    columns=auto_match(CANONICAL_HEADERS))
    job.file.save("dms.xlsx", ContentFile(buffer.getvalue()), save=False)
    job.save()
    return job


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_commits_of_one_job_import_once(make_user, store_a):
    user = make_user("cs_supervisor", [store_a])
    job = make_job(store_a, user)
    assert jobs.preview_job(job.pk).status == ImportJob.Status.PREVIEWED

    results, errors = run_concurrently(lambda: jobs.commit_job(job.pk).status, 2)
    assert errors == []
    assert results == [ImportJob.Status.COMMITTED] * 2
    job.refresh_from_db()
    assert (job.status, job.summary["new"], job.summary["unchanged"]) == (ImportJob.Status.COMMITTED, ROWS, 0)
    assert ServiceVisit.objects.count() == ROWS
    assert Customer.objects.count() == ROWS // 3


@pytest.mark.django_db
def test_a_committed_job_is_not_committed_again(make_user, store_a):
    job = make_job(store_a, make_user("cs_supervisor", [store_a]))
    jobs.preview_job(job.pk)
    assert jobs.commit_job(job.pk).status == ImportJob.Status.COMMITTED
    ServiceVisit.objects.all().delete()
    assert jobs.commit_job(job.pk).status == ImportJob.Status.COMMITTED
    assert not ServiceVisit.objects.exists()


@pytest.mark.django_db
def test_the_job_moves_refuse_a_wrong_state(make_user, store_a):
    job = make_job(store_a, make_user("cs_supervisor", [store_a]))
    # Not checked yet: it cannot be queued for import.
    assert not job.queue_commit()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    jobs.preview_job(job.pk)
    job.refresh_from_db()
    assert job.queue_commit()
    assert not job.queue_commit()  # already queued: the second click changes nothing
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTING
