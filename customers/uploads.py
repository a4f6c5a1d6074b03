"""What may be attached to a customer file: scans and office documents, checked by their
content, not only by their name."""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

# extension → (content type, the bytes such a file starts with)
ALLOWED = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
}


def check_upload(upload) -> str:
    """The content type of an acceptable upload, or ValidationError saying what is wrong."""
    extension = Path(upload.name).suffix.lower()
    if extension not in ALLOWED:
        raise ValidationError(
            _("Only PDF, JPG, PNG, XLSX and DOCX files can be attached, not “%(name)s”.")
            % {"name": upload.name}
        )
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s can be attached.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_DOCUMENT_BYTES)}
        )
    content_type, signatures = ALLOWED[extension]
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(
            _("“%(name)s” is not really a %(kind)s file.") % {"name": upload.name, "kind": extension[1:].upper()}
        )
    return content_type


def download_view(model, permission):
    """The one view that hands out a stored upload (a customer file's document, a complaint's
    attachment, ...): `model` has `file`, `original_name` and `content_type`, and is scoped to
    the user's stores (aftersales.scoping). Always an attachment, never shown inline, with the
    content type checked at upload, and never kept by a shared cache (the files are personal)."""
    from django.contrib.auth.decorators import permission_required
    from django.http import FileResponse
    from django.views.decorators.cache import cache_control
    from django.views.decorators.http import require_GET

    from aftersales.scoping import get_for_user_or_404

    @require_GET
    @cache_control(private=True, no_store=True)
    @permission_required(permission, raise_exception=True)
    def download(request, pk):
        record = get_for_user_or_404(model, request.user, pk=pk)
        return FileResponse(
            record.file.open("rb"), as_attachment=True, filename=record.original_name,
            content_type=record.content_type,
        )

    download.serves_stored_file = download_view
    return download
