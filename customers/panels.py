"""What other apps show on the customer file, registered by those apps.

The customers app imports no peer (visits, complaints, appointments, kpi); each app adds its part
of the customer page from its AppConfig.ready, the way modules add pages to
aftersales.navigation. A part may

- `annotate` the customer's own query (so its rows come with the customer, at no query of their
  own: complaints do this), and
- `read(customer)` what it shows: a dict merged into the page's context, whose "timeline" entries
  (kind, when, object) join the file's timeline, and
- write the entries of its kinds that the timeline shows as cards (`cards`, by kind): objects of
  text whose `template` (under jinja2/) writes one entry of jinja2/customers/timeline.html.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FilePart:
    key: str
    read: Callable[..., dict]
    annotate: Callable | None = None
    # kind → write(objects, context) → cards, one per object, in order; `context` is the page's.
    cards: Mapping[str, Callable[..., list]] = field(default_factory=dict)


PARTS: dict[str, FilePart] = {}


def register(part: FilePart):
    """Adds (or, on a second ready(), replaces) an app's part of the customer file."""
    PARTS[part.key] = part


def annotate(queryset):
    """The customers' query with what every registered part reads along with it."""
    for part in PARTS.values():
        if part.annotate is not None:
            queryset = part.annotate(queryset)
    return queryset


def read(customer) -> tuple[list, dict]:
    """The timeline entries and the context every registered part adds to the page."""
    timeline, context = [], {}
    for part in PARTS.values():
        extra = dict(part.read(customer))
        timeline.extend(extra.pop("timeline", ()))
        context.update(extra)
    return timeline, context


def card_writers() -> dict[str, Callable[..., list]]:
    """Every registered part's card writers, by the kind of entry they write."""
    return {kind: write for part in PARTS.values() for kind, write in part.cards.items()}
