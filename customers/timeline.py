"""The customer file's timeline as cards of text, written by Jinja2 (jinja2/customers/timeline.html).

The timeline's entries come from several apps (repair orders and documents from this one;
appointments and complaints from theirs, through `customers.panels`). Each app writes its own
entries as cards: plain text and links, whose `template` writes the entry. Through Django's
templates the fifteen entries of a file's first page were its largest cost, every cell a lookup
through the model, its choices and a filter.

What a viewer may follow is decided in the templates, from `perms` (the page's permissions), as
the buttons of the page are."""
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

from django.utils import formats, timezone
from django.utils.translation import gettext

from aftersales.links import url_of

from . import panels

DAY = "%Y-%m-%d"
MINUTE = "%Y-%m-%d %H:%M"


def local_text(moment, pattern=DAY) -> str:
    """A moment as the page shows it: in the current time zone (as Django's `date` filter)."""
    return timezone.localtime(moment).strftime(pattern) if moment else ""


@dataclass(slots=True)
class RepairOrderCard:
    template: ClassVar[str] = "customers/timeline_visit.html"
    pk: int
    repair_type_label: str
    order_no: str
    vehicle: str
    opened_text: str
    closed_text: str
    status_label: str
    mileage_text: str
    advisor_name: str
    technician_name: str
    amount_text: str
    from_appointment: bool
    appointment_url: str
    work_summary: str
    declined_work: str
    documents: list
    edit_url: str
    survey_url: str
    history_url: str


@dataclass(slots=True)
class DocumentCard:
    template: ClassVar[str] = "customers/timeline_document.html"
    url: str
    title: str
    uploaded_text: str
    uploaded_by: str


def _document_title(document) -> str:
    return f"📎 {document.get_kind_display()}: {document.original_name}"


def repair_order_cards(visits, context) -> list[RepairOrderCard]:
    """Repair orders read with their car, advisor and documents (`selectors.customer_file`).
    A repair order that came from an appointment links to it when the appointments' part of the
    file says which (`appointment_url_of_visit`); a closed one not yet surveyed on site offers
    the survey (`on_site_surveyed`, from the calls' part)."""
    edit_url, survey_url = url_of("customers:visit_edit"), url_of("visits:on_site_survey")
    download_url = url_of("customers:document_download")
    appointment_urls = context.get("appointment_url_of_visit", {})
    surveyed = context.get("on_site_surveyed", set())
    history = url_of("object_history", "customers", "servicevisit")
    cards = []
    for visit in visits:
        cards.append(RepairOrderCard(
            pk=visit.pk,
            repair_type_label=str(visit.get_repair_type_display()),
            order_no=visit.order_no,
            vehicle=str(visit.vehicle),
            opened_text=local_text(visit.opened_at),
            closed_text=local_text(visit.closed_at),
            status_label=str(visit.get_status_display()),
            mileage_text=f"{visit.mileage} km" if visit.mileage else "",
            advisor_name=str(visit.advisor) if visit.advisor_id else (visit.advisor_name or "—"),
            technician_name=visit.technician_name,
            amount_text=formats.localize(visit.amount),
            from_appointment=visit.from_appointment,
            appointment_url=appointment_urls.get(visit.pk, ""),
            work_summary=visit.work_summary,
            declined_work=visit.declined_work,
            documents=[(download_url(d.pk), _document_title(d)) for d in visit.documents.all()],
            edit_url=edit_url(visit.pk),
            survey_url=survey_url(visit.pk) if visit.status == "closed" and visit.pk not in surveyed else "",
            history_url=history(visit.pk),
        ))
    return cards


def document_cards(documents, context) -> list[DocumentCard]:
    download_url = url_of("customers:document_download")
    return [
        DocumentCard(url=download_url(document.pk), title=_document_title(document),
                     uploaded_text=local_text(document.uploaded_at, MINUTE), uploaded_by=str(document.uploaded_by))
        for document in documents
    ]


OWN_CARDS = {"visit": repair_order_cards, "document": document_cards}


def timeline_cards(entries, context) -> list[tuple]:
    """The shown entries (kind, when, object) as (kind, when, card), each kind written by the
    app that owns it, in one call a kind."""
    writers = OWN_CARDS | panels.card_writers()
    by_kind = defaultdict(list)
    for index, (kind, _when, _entry) in enumerate(entries):
        by_kind[kind].append(index)
    cards = [None] * len(entries)
    for kind, indexes in by_kind.items():
        written = writers[kind]([entries[i][2] for i in indexes], context)
        for index, card in zip(indexes, written, strict=True):
            cards[index] = (kind, entries[index][1], card)
    return cards


def timeline_text() -> dict:
    """The timeline's words in the current language, for its Jinja2 templates."""
    return {
        "advisor": gettext("Advisor"), "technician": gettext("Technician"),
        "by_appointment": gettext("by appointment"), "declined": gettext("Declined"),
        "edit": gettext("Edit"), "history": gettext("History"), "on_site_survey": gettext("On-site survey"),
        "nothing": gettext("Nothing on file yet."), "older": gettext("Show older"),
        "truncated": gettext("Only the latest 100 repair orders are shown; see the repair-order list for older ones."),
    }
