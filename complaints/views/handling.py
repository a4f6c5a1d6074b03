"""Being written this session."""
from django.http import Http404


def complaint_detail(request, **kwargs):
    raise Http404


def assign(request, **kwargs):
    raise Http404


def cancel(request, **kwargs):
    raise Http404


def answer(request, **kwargs):
    raise Http404


def callback(request, **kwargs):
    raise Http404


def attachment_upload(request, **kwargs):
    raise Http404


def attachment_download(request, **kwargs):
    raise Http404

