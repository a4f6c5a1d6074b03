"""Being written this session."""
from django.http import Http404


def register(request, **kwargs):
    raise Http404

