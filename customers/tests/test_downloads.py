"""One download of a stored upload serves the customer file's documents and the complaints'
attachments: as an attachment under its original name, with its checked content type, never
kept by a shared cache, and "not found" for another store's file."""
import pytest
from django.core.files.base import ContentFile
from django.urls import resolve, reverse

from aftersales.tests.factories import CustomerFactory, make_complaint
from complaints.models import ComplaintAttachment
from customers.models import ServiceDocument
from customers.uploads import download_view

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stored(record, name):
    record.original_name, record.content_type, record.size = name, "application/pdf", len(PDF)
    record.file.save(name, ContentFile(PDF), save=False)
    record.save()
    return record


@pytest.fixture
def document(store_a, personas):
    customer = CustomerFactory(store=store_a)
    return stored(ServiceDocument(customer=customer, kind="work_order", uploaded_by=personas["advisor"]), "委托书.pdf")


@pytest.fixture
def attachment(store_a, personas):
    complaint = make_complaint(store=store_a, by=personas["cs_supervisor"])
    return stored(ComplaintAttachment(complaint=complaint), "现场照片.pdf")


@pytest.fixture(params=["document", "attachment"])
def download(request, document, attachment):
    if request.param == "document":
        return reverse("customers:document_download", args=[document.pk]), "委托书.pdf"
    return reverse("complaints:attachment_download", args=[attachment.pk]), "现场照片.pdf"


def test_both_downloads_are_one_view(document, attachment):
    for url in (reverse("customers:document_download", args=[document.pk]),
                reverse("complaints:attachment_download", args=[attachment.pk])):
        assert getattr(resolve(url).func, "serves_stored_file", None) is download_view


def test_a_download_is_an_attachment_no_shared_cache_keeps(client, personas, download):
    url, name = download
    client.force_login(personas["cs_supervisor"])
    response = client.get(url)
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "filename*=utf-8''" in response["Content-Disposition"]
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_another_stores_file_is_not_found(client, make_user, store_b, download):
    url, _name = download
    client.force_login(make_user("cs_supervisor", [store_b]))
    assert client.get(url).status_code == 404
