"""The follow-up list's rows (the KPI figures' drill-down to calls) as text cells, for the Jinja2
template that writes them (`jinja2/visits/followup_rows.html`).

Fifty rows of ten cells through Django's template engine were half the page's time (about 10 ms
of 23 at scale 1): each cell a variable lookup through four objects, a filter and an escape."""
from dataclasses import dataclass

from django.utils import timezone

from aftersales.links import url_of
from aftersales.models import User
from aftersales.phones import mask_mobile

from .models import FollowUp, FollowUpRule


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
    """`followups` as read by `selectors.followup_list_page`: dicts of values (the store, rule,
    customer, car, repair order with its advisor and survey joined), no model instances."""
    file_url = url_of("customers:detail")
    kind_label = FollowUpRule.labeller()
    status_labels = dict(FollowUp._meta.get_field("status").flatchoices)
    outcome_labels = dict(FollowUp._meta.get_field("outcome").flatchoices)
    rows = []
    for followup in followups:
        answered = followup["survey__id"] is not None
        rows.append(FollowUpRow(
            pk=followup["id"],
            due_text=followup["due_on"].isoformat(),
            store_name=followup["store__name"],
            customer_url=file_url(followup["customer_id"]),
            customer_name=followup["customer__name"],
            masked_mobile=mask_mobile(followup["customer__mobile"]),
            plate=followup["vehicle__plate"],
            order_no=followup["visit__order_no"] or "",
            kind_label=str(kind_label(followup["rule__trigger"], followup["rule__repair_type"])),
            advisor_name=User.name_in(followup, "visit__advisor__") if followup["visit__advisor_id"] else "",
            status_label=str(status_labels.get(followup["status"], followup["status"])),
            outcome_label=str(outcome_labels.get(followup["outcome"], followup["outcome"])),
            answered=answered,
            overall=str(followup["survey__overall"] or "—") if answered else "",
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
