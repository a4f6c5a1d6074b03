"""Documents on the file: type and size checked by content, downloads scoped to the store."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.tests.factories import CustomerFactory
from customers.models import ServiceDocument
from customers.uploads import MAX_DOCUMENT_BYTES

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def customer(store_a):
    return CustomerFactory(store=store_a)


def upload(client, customer, name, content, kind="work_order"):
    return client.post(
        reverse("customers:document_upload", args=[customer.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def test_pdf_is_attached_and_downloads(client, personas, customer):
    client.force_login(personas["advisor"])
    assert upload(client, customer, "委托书.pdf", PDF).status_code == 302
    document = ServiceDocument.objects.get()
    assert (document.original_name, document.size, document.content_type) == ("委托书.pdf", len(PDF), "application/pdf")
    response = client.get(reverse("customers:document_download", args=[document.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("name,content,message", [
    ("virus.exe", b"MZ\x90\x00", "只能上传"),
    ("fake.pdf", b"<html>not a pdf</html>", "不是真正的"),
])
def test_wrong_types_are_refused(client, personas, customer, name, content, message):
    client.force_login(personas["advisor"])
    response = upload(client, customer, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ServiceDocument.objects.exists()


def test_too_large_a_file_is_refused(client, personas, customer):
    client.force_login(personas["advisor"])
    response = upload(client, customer, "big.pdf", PDF + b"0" * MAX_DOCUMENT_BYTES)
    assert response.status_code == 200
    assert not ServiceDocument.objects.exists()


def test_another_stores_document_is_404(client, personas, customer, make_user, store_b):
    client.force_login(personas["advisor"])
    upload(client, customer, "a.pdf", PDF)
    document = ServiceDocument.objects.get()
    client.force_login(make_user("advisor", [store_b]))
    assert client.get(reverse("customers:document_download", args=[document.pk])).status_code == 404
