"""Registering complaints: numbers per store and year, automatic severity, the first history
row, and complaints made from return-visit dissatisfactions."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from customers.models import Customer

from .deadlines import schedule_step
from .models import Complaint, ComplaintSequence, ComplaintTransition

# Carmakers' rule of thumb: the third complaint of a customer within a year is escalated.
REPEAT_WINDOW = dt.timedelta(days=365)
REPEATS_TO_ESCALATE = 3

Severity = Complaint.Severity


@transaction.atomic
def register_complaint(*, store, customer, channel, category, description, by, severity=Severity.GENERAL,
                       visit=None, staff_concerned="", dissatisfaction=None, now=None) -> Complaint:
    # The customer's row lock makes a concurrent registration (an agent and the online form at
    # once) wait, then count this one: the third complaint is always seen as the third.
    Customer.objects.select_for_update().filter(pk=customer.pk).values("pk").first()
    now = now or timezone.now()
    earlier = Complaint.objects.filter(
        customer=customer, created_at__gte=now - REPEAT_WINDOW, created_at__lte=now
    ).exclude(status=Complaint.Status.CANCELLED).count()
    if earlier + 1 >= REPEATS_TO_ESCALATE and severity == Severity.GENERAL:
        severity = Severity.ESCALATED
    year = timezone.localtime(now).year
    number = f"{store.code.upper()}-{year}-{ComplaintSequence.next_number(store, year):05d}"
    complaint = Complaint(
        store=store, number=number, customer=customer, visit=visit, channel=channel, category=category,
        severity=severity, description=description, staff_concerned=staff_concerned,
        dissatisfaction=dissatisfaction, created_by=by, created_at=now,
    )
    escalation = schedule_step(complaint, started_at=now)
    complaint.save(force_insert=True)
    escalation.save(force_insert=True)
    ComplaintTransition.objects.create(complaint=complaint, actor=by, at=now, to_status=Complaint.Status.NEW,
                                  note=_("Registered"))
    return complaint


# Which category a return-visit finding becomes, by the first question answered unhappily.
REASON_CATEGORY = {
    "timeliness": Complaint.Category.WAITING_TIME,
    "pickup_price": Complaint.Category.PRICE,
    "advisor": Complaint.Category.SERVICE_ATTITUDE,
    "booking": Complaint.Category.SERVICE_ATTITUDE,
    "repair_quality": Complaint.Category.REPAIR_QUALITY,
    "fixed_right": Complaint.Category.REPAIR_QUALITY,
}


@transaction.atomic
def complaint_from_dissatisfaction(dissatisfaction, *, by, now=None) -> Complaint:
    """The complaint a return-visit dissatisfaction becomes, linked both ways; once only.
    Registered when the finding was recorded, unless `now` says otherwise (a finding taken up
    late gets its full time to be acknowledged, from `now`)."""
    # Imported here: visits.services.calls imports this module (a dissatisfied answer opens a
    # complaint), so a module-level import would be circular.
    from visits.services import dissatisfactions

    locked = dissatisfactions.lock_for_complaint(dissatisfaction.pk)
    existing = Complaint.objects.filter(dissatisfaction=locked).first()
    if existing is not None:
        return existing
    category = next(
        (REASON_CATEGORY[code] for code in locked.reasons if code in REASON_CATEGORY), Complaint.Category.OTHER
    )
    complaint = register_complaint(
        store=locked.store, customer=locked.customer, visit=locked.visit, dissatisfaction=locked,
        # A finding of the advisor's survey at delivery was made in the showroom, not on a call.
        channel=Complaint.Channel.RETURN_VISIT if locked.followup_id else Complaint.Channel.WALK_IN,
        category=category, by=by, description=finding_text(locked),
        now=now or locked.created_at,
    )
    dissatisfactions.mark_turned_into_complaint(locked)
    return complaint


def _listed(items):
    """"A, B and C" in the active language ("A、B和C" in Chinese)."""
    if len(items) == 1:
        return items[0]
    return pgettext("list", "%(items)s and %(last)s") % {
        "items": pgettext("list separator", ", ").join(items[:-1]), "last": items[-1],
    }


def finding_text(dissatisfaction) -> str:
    """What a return-visit finding says, as a sentence for the department head, e.g.
    回访时客户对总体满意度（2分）和维修质量（2分）不满意，车辆问题未能一次修好。客户原话：“……”。"""
    from visits.services.dissatisfactions import question_label

    survey = dissatisfaction.survey
    english = (get_language() or "").startswith("en")
    items = []
    for code in dissatisfaction.reasons:
        if code == "fixed_right":
            continue
        label = question_label(code)
        if english:
            label = label[:1].lower() + label[1:]  # mid-sentence
        score = getattr(survey, code, None) if survey is not None else None
        items.append(label if score is None else _("%(question)s (%(score)s of 5)") % {"question": label, "score": score})
    not_fixed = "fixed_right" in dissatisfaction.reasons
    on_call = dissatisfaction.followup_id is not None
    if items and not_fixed:
        text = (_("On the return-visit call the customer was dissatisfied with %(items)s, and the problem was not "
                  "fixed right the first time.") if on_call else
                _("At delivery the customer was dissatisfied with %(items)s, and the problem was not fixed right "
                  "the first time.")) % {"items": _listed(items)}
    elif items:
        text = (_("On the return-visit call the customer was dissatisfied with %(items)s.") if on_call else
                _("At delivery the customer was dissatisfied with %(items)s.")) % {"items": _listed(items)}
    else:
        text = (_("On the return-visit call the customer said the problem was not fixed right the first time.")
                if on_call else _("At delivery the customer said the problem was not fixed right the first time."))
    words = dissatisfaction.customer_words.strip()
    if words:
        text = _("%(finding)s In the customer's words: “%(words)s”.") % {"finding": text, "words": words}
    return text


def complaints_from_open_dissatisfactions() -> int:
    """The complaints of the dissatisfactions still open (those recorded before complaints were
    made from them automatically), each in its own transaction, oldest first."""
    from visits.services.dissatisfactions import open_dissatisfactions

    made = 0
    open_ones = open_dissatisfactions()
    for dissatisfaction in open_ones.select_related("recorded_by").iterator(chunk_size=500):
        complaint_from_dissatisfaction(dissatisfaction, by=dissatisfaction.recorded_by, now=timezone.now())
        made += 1
    return made
