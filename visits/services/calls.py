"""Recording what a call brought: the attempt, its consequences for the queue and the file,
and the satisfaction survey with any dissatisfaction it reveals."""
import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.services import complaint_from_dissatisfaction
from customers.models import Customer, CustomerConsent, ServiceVisit
from customers.services import record_consent

from ..models import QUESTIONS, CallAttempt, CallPolicy, Dissatisfaction, FollowUp, SurveyResponse
from ..models.surveys import UNHAPPY_AT_MOST
from .queue import claim_next, queue_stores

Outcome = CallAttempt.Outcome
Status = FollowUp.Status


class CallError(ValidationError):
    """A call that cannot be recorded as asked; the message says why, in the user's language."""


def on_site_answers(visit_id) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(visit_id=visit_id, source=SurveyResponse.Source.ON_SITE).first()


def questions_to_ask(followup) -> list[str]:
    """The survey questions of this call: all of them, less those answered on site at delivery
    (seed 001: 现场调查 … 避免重复)."""
    on_site = on_site_answers(followup.visit_id) if followup.takes_survey else None
    return questions_left(followup, on_site)


def questions_left(followup, on_site: SurveyResponse | None) -> list[str]:
    """`questions_to_ask` for a caller that has read the visit's on-site survey (or None)."""
    if not followup.takes_survey:
        # Sales, reminder and care calls ask only how satisfied the customer is, if at all.
        return ["overall"]
    answered = on_site.answered() if on_site else set()
    return [name for name in QUESTIONS if name not in answered]


@transaction.atomic
def record_attempt(*, followup_id, agent, outcome, note="", call_back_at=None, answers=None,
                   now=None) -> CallAttempt:
    """Record one dial of a follow-up and what follows from it, in one transaction.

    `answers` (for a reached return visit) maps survey questions to scores 1–5, `fixed_right`
    to True/False and `comment` to the customer's words."""
    now = now or timezone.now()
    followup = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("store", "customer", "rule")
        .get(pk=followup_id)
    )
    _check_can_record(followup, agent, now)
    if outcome not in Outcome.values:
        raise CallError(_("Choose what came of the call."))
    attempt = CallAttempt(
        store_id=followup.store_id, followup=followup, agent=agent, called_at=now, outcome=outcome,
        note=note.strip(),
    )
    if outcome == Outcome.REACHED:
        followup.finish(Status.DONE, FollowUp.Outcome.REACHED, now)
        attempt.save()
        if followup.takes_survey:
            _record_call_survey(followup, agent, answers or {}, now)
        else:
            _record_call_answer(followup, agent, answers or {}, now)
        return attempt
    if outcome in CallAttempt.NOT_REACHED:
        followup.not_reached(
            policy=CallPolicy.for_store(followup.store_id), tried_today=_unanswered_today(followup, now) + 1,
            next_opening=_next_opening(followup.store, now), now=now,
        )
    elif outcome == Outcome.CALL_BACK:
        try:
            followup.call_back(call_back_at, now)
        except ValidationError as error:
            raise CallError(error.messages) from error
        attempt.call_back_at = call_back_at
    elif outcome == Outcome.WRONG_NUMBER:
        Customer.objects.filter(pk=followup.customer_id).update(mobile_reported_wrong_at=now)
        followup.finish(Status.UNREACHABLE, FollowUp.Outcome.WRONG_NUMBER, now)
    elif outcome == Outcome.REFUSED:
        record_consent(
            customer=followup.customer, channel=CustomerConsent.Channel.SERVICE_CALL, granted=False,
            method=CustomerConsent.Method.PHONE, by=agent,
            note=note.strip()[:200] or _("Refused on a return-visit call"),
        )
        followup.finish(Status.DONE, FollowUp.Outcome.REFUSED, now)
        # The customer's wish holds for the calls already scheduled too.
        FollowUp.objects.skip_pending_of_customer(followup.customer_id, FollowUp.SkipReason.REFUSED_CALLS, now)
    attempt.save()
    return attempt


def record_attempt_and_claim_next(*, followup_id, agent, store_ids=None, now=None, **call):
    """"Save and next call": the call recorded and the next one claimed for the same agent, in
    one transaction (a refused call claims nothing). Returns (attempt, next follow-up or None)."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = record_attempt(followup_id=followup_id, agent=agent, now=now, **call)
        return attempt, claim_next(agent=agent, store_ids=store_ids, now=now)


def _check_can_record(followup, agent, now):
    if not (agent.has_perm("visits.work_queue") and followup.store_id in queue_stores(agent)):
        raise CallError(_("Only an agent of this store records its calls."))
    if followup.merged_into_id:
        raise CallError(_("This call is covered by another call to the same customer."))
    if followup.status != Status.PENDING:
        raise CallError(_("This call is already finished (%(status)s).") % {
            "status": followup.get_status_display()
        })
    if followup.is_claimed_by_another(agent, now):
        raise CallError(_("%(agent)s is making this call.") % {"agent": followup.claimed_by})
    if followup.assigned_to_id not in (None, agent.pk):
        raise CallError(_("This call is assigned to another agent."))


def _unanswered_today(followup, now):
    zone = zoneinfo.ZoneInfo(followup.store.time_zone)
    local = now.astimezone(zone)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return followup.attempts.filter(outcome__in=CallAttempt.NOT_REACHED, called_at__gte=day_start).count()


def _next_opening(store, now):
    zone = zoneinfo.ZoneInfo(store.time_zone)
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, store.opens_at, tzinfo=zone)


def _clean_answers(answers, asked, *, require_overall=True):
    cleaned = {}
    for name in asked:
        value = answers.get(name)
        if value in (None, ""):
            continue
        if name == "fixed_right":
            cleaned[name] = bool(value) if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            continue
        try:
            score = int(value)
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            raise CallError(_("Scores are from 1 to 5."))
        cleaned[name] = score
    if require_overall and "overall" in asked and "overall" not in cleaned:
        raise CallError(_("Ask for the overall satisfaction before finishing the call."))
    return cleaned


def _record_call_survey(followup, agent, answers, now):
    asked = questions_to_ask(followup)
    survey = SurveyResponse.objects.create(
        store_id=followup.store_id, visit_id=followup.visit_id, followup=followup,
        source=SurveyResponse.Source.CALL, recorded_by=agent, recorded_at=now,
        comment=(answers.get("comment") or "").strip(), **_clean_answers(answers, asked),
    )
    _record_dissatisfaction(survey, followup=followup, by=agent, now=now)
    return survey


def _record_call_answer(followup, agent, answers, now):
    """A call without the survey (sales, declined work, care): an unhappy overall answer is a
    dissatisfaction all the same, with the customer's words."""
    overall = _clean_answers(answers, ["overall"], require_overall=False).get("overall")
    if overall is None or overall > UNHAPPY_AT_MOST:
        return None
    return _dissatisfaction(
        store_id=followup.store_id, customer_id=followup.customer_id, visit_id=followup.visit_id,
        followup=followup, reasons=["overall"], words=answers.get("comment") or "", by=agent, now=now,
    )


def _record_dissatisfaction(survey, *, followup, by, now):
    reasons = survey.unhappy_answers()
    if not reasons:
        return None
    return _dissatisfaction(
        store_id=survey.store_id, customer_id=survey.visit.customer_id, visit_id=survey.visit_id,
        followup=followup, survey=survey, reasons=reasons, words=survey.comment, by=by, now=now,
    )


def _dissatisfaction(*, words, by, now, **links):
    """The finding, on the file at once, and the complaint it becomes (seed 000: the departments
    are told and customer service calls the customer again once it is handled)."""
    dissatisfaction = Dissatisfaction.objects.create(
        customer_words=words.strip(), recorded_by=by, created_at=now, **links
    )
    complaint_from_dissatisfaction(dissatisfaction, by=by)
    return dissatisfaction


@transaction.atomic
def record_on_site_survey(*, visit: ServiceVisit, by, answers, now=None) -> SurveyResponse:
    """The advisor's survey at delivery; the return-visit call then skips what it answered."""
    now = now or timezone.now()
    if visit.status != ServiceVisit.Status.CLOSED:
        raise CallError(_("The on-site survey is taken when the car is handed back."))
    if SurveyResponse.objects.filter(visit=visit, source=SurveyResponse.Source.ON_SITE).exists():
        raise CallError(_("The on-site survey of this repair order is already recorded."))
    cleaned = _clean_answers(answers, QUESTIONS, require_overall=False)
    if not cleaned:
        raise CallError(_("Record at least one answer."))
    survey = SurveyResponse.objects.create(
        store_id=visit.store_id, visit=visit, source=SurveyResponse.Source.ON_SITE, recorded_by=by,
        recorded_at=now, comment=(answers.get("comment") or "").strip(), **cleaned,
    )
    _record_dissatisfaction(survey, followup=None, by=by, now=now)
    return survey
