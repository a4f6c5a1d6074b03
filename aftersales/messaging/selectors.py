"""What the delivery log pages read, each in a fixed number of queries."""
from dataclasses import dataclass

from django.db.models import Count, Q

from aftersales.phones import mask_mobile

from .kinds import Purpose
from .models import Channel, OutboundMessage

Status = OutboundMessage.Status

# Newest first; the id breaks ties between messages queued in the same microsecond.
LOG_ORDER = ("-created_at", "-id")


def masked_address(message) -> str:
    """The recipient as the log may show it: 138****5678, or z***@example.com."""
    to = message.to or ""
    if message.channel == Channel.EMAIL:
        local, at, domain = to.partition("@")
        return f"{local[:1]}***@{domain}" if at else mask_mobile(to)
    return mask_mobile(to)


def shows_text(message) -> bool:
    """Transactional messages (verification codes) carry a secret: the log never shows it."""
    return message.purpose != Purpose.TRANSACTIONAL


def log_queryset(queryset):
    """The log's rows with what a row shows, in one query per page."""
    return queryset.select_related("store", "customer")


def status_counts(queryset) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status of the messages in `queryset`, in one
    aggregate query."""
    totals = queryset.order_by().aggregate(
        **{value: Count("pk", filter=Q(status=value)) for value in Status.values}
    )
    return [(value, label, totals[value]) for value, label in Status.choices]


@dataclass
class CustomerMessages:
    items: list
    limit: int
    truncated: bool

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def messages_for_customer(customer, limit=50) -> CustomerMessages:
    """The newest `limit` messages to `customer`, in one query (index outbox_customer_time)."""
    rows = list(
        OutboundMessage.objects.filter(customer=customer).order_by(*LOG_ORDER)[: limit + 1]
    )
    return CustomerMessages(items=decorate(rows[:limit]), limit=limit, truncated=len(rows) > limit)


def decorate(messages):
    """Attach what the templates show (masked address, whether the text may be shown)."""
    for message in messages:
        message.masked_to = masked_address(message)
        message.shows_text = shows_text(message)
    return messages

