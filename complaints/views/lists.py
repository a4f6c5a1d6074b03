"""Being written this session."""
from django.http import Http404


def complaint_list(request, **kwargs):
    raise Http404


def export(request, **kwargs):
    raise Http404


def department_inbox(request, **kwargs):
    raise Http404


def triage_board(request, **kwargs):
    raise Http404

