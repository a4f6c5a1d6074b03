from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from aftersales.htmx import render_page
from aftersales.pagination import keyset_page
from aftersales.scoping import for_user, get_for_user_or_404

from . import selectors
from .filters import OutboundMessageFilter
from .models import OutboundMessage

PAGE_SIZE = 50


@permission_required("aftersales.view_outboundmessage", raise_exception=True)
def delivery_log(request):
    """Every outbound message of the user's stores, filtered, newest first, with the count of
    each status over the filtered set."""
    messages = OutboundMessageFilter(
        request.GET, queryset=for_user(OutboundMessage.objects.all(), request.user), request=request
    )
    page = keyset_page(
        selectors.log_queryset(messages.qs), order=selectors.LOG_ORDER,
        cursor=request.GET.get("after"), size=PAGE_SIZE,
    )
    selectors.decorate(page.items)
    context = {"filter": messages, "page": page, "counts": selectors.status_counts(messages.qs)}
    return render_page(request, "aftersales/messaging/message_list.html",
                       "aftersales/messaging/partials/message_rows.html", context)


@permission_required("aftersales.view_outboundmessage", raise_exception=True)
def message_detail(request, pk):
    """One message: what was sent to whom (masked), each outcome and its reason."""
    message = get_for_user_or_404(selectors.log_queryset(OutboundMessage.objects.all()), request.user, pk=pk)
    selectors.decorate([message])
    return render(request, "aftersales/messaging/message_detail.html", {"message": message})
