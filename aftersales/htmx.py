"""The one switch between a whole page and the part of it htmx swaps in (a list's rows, a
board's body), shared by every view that has both."""
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_page(request, page: str, partial: str, context: dict):
    """`page`, or only `partial` when htmx asks for it. The response varies on HX-Request, so no
    cache ever serves the rows for the page or the page for the rows."""
    response = render(request, partial if request.htmx else page, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
