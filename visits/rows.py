"""The follow-up list's rows (the KPI figures' drill-down to calls) as text cells, for the Jinja2
template that writes them (`jinja2/visits/followup_rows.html`).

Fifty rows of ten cells through Django's template engine were half the page's time (about 10 ms
of 23 at scale 1): each cell a variable lookup through four objects, a filter and an escape."""
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from aftersales.links import url_of


@dataclass(slots=True)
class FollowUpRow:
    pk: int
    due_text: str
    store_name: str
    customer_url: str
    customer_name: str
    masked_mobile: str
    plate: str
    order_no: str
    kind_label: str
    advisor_name: str
    status_label: str
    outcome_label: str
    answered: bool
    overall: str


def followup_rows(followups) -> list[FollowUpRow]:
    """`followups` as read by `selectors.followup_list_page` (store, rule, customer, vehicle,
    repair order with its advisor, survey joined)."""
    file_url = url_of("customers:detail")
    rows = []
    for followup in followups:
        visit = followup.visit
        try:
            survey = followup.survey
        except ObjectDoesNotExist:
            survey = None
        rows.append(FollowUpRow(
            pk=followup.pk,
            due_text=followup.due_on.isoformat(),
            store_name=followup.store.name,
            customer_url=file_url(followup.customer_id),
            customer_name=followup.customer.name,
            masked_mobile=followup.customer.masked_mobile,
            plate=followup.vehicle.plate,
            order_no=visit.order_no if visit else "",
            kind_label=str(followup.rule.label),
            advisor_name=str(visit.advisor) if visit and visit.advisor_id else "",
            status_label=str(followup.get_status_display()),
            outcome_label=str(followup.get_outcome_display()),
            answered=survey is not None,
            overall="" if survey is None else str(survey.overall or "—"),
        ))
    return rows


def queue_rows(items) -> list[dict]:
    """The queue page's items (`selectors.queue`) with their cells as text, for the Jinja2
    template that writes them (`jinja2/visits/queue_rows.html`): the due day, the retry time in
    the current time zone, the call's link."""
    call_url = url_of("visits:call")
    for item in items:
        retry_at = item["retry_at"]
        item.update(
            url=call_url(item["pk"]), due_text=item["due_on"].strftime("%m-%d"),
            retry_text=timezone.localtime(retry_at).strftime("%m-%d %H:%M") if retry_at else "",
        )
    return items
