"""Being written this session."""
from django.http import Http404


def complaint_form(request, **kwargs):
    raise Http404


def send_code(request, **kwargs):
    raise Http404


def status(request, **kwargs):
    raise Http404

