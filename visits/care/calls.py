"""Care calls in the one callback queue (visits.FollowUp): a rule per store for each kind of
care call, with its script, and the columns and outcome the set-wise inserts share. The kinds
are registered with the call-outcome registry (visits.services.call_outcomes) like every other
module's calls: the call screen offers the renewal outcomes and the recall reasons as the
customer's answer and hands it to `outcomes.answer_care_call`."""
from django.utils.translation import gettext_lazy as _

from visits.models import FollowUpRule, RecallReason, RenewalOutcome

Trigger = FollowUpRule.Trigger

# (trigger, window in days, priority, script)
CARE_RULES = [
    (Trigger.MAINTENANCE_DUE, 14, 0,
     "您好，请问是{客户}先生/女士吗？我是{门店}的客服专员。根据您爱车的行驶里程和上次保养时间，"
     "您的车辆快到保养时间了。需要我帮您预约到店时间吗？也可以通过短信里的链接在线预约。"),
    (Trigger.INSURANCE_RENEWAL, 14, 1,
     "您好，我是{门店}的客服专员。您爱车的交强险/商业险即将到期，我店可以为您办理续保，"
     "续保客户可享受理赔协助和保养优惠。请问您今年打算在哪里续保？（在我店续保 / 已在别处续保，"
     "请问是哪家保险公司 / 还没决定 / 车辆已出售）"),
    (Trigger.LOST_CUSTOMER, 30, 0,
     "您好，我是{门店}的客服专员。您有一段时间没有来店保养了，想了解一下原因，"
     "是价格、距离、服务质量，还是已经搬家或换车了？您的意见对我们改进服务很重要。"),
    (Trigger.CAMPAIGN, 14, 0,
     "您好，我是{门店}的客服专员。我店近期举办活动（见活动说明），特别邀请您参加，"
     "请问您有时间来吗？需要我帮您登记吗？"),
]


def ensure_care_rules(store) -> int:
    """Give a store the care-call rules it does not have yet (admins edit them afterwards)."""
    existing = set(FollowUpRule.objects.filter(store=store, trigger__in=[r[0] for r in CARE_RULES])
                   .values_list("trigger", flat=True))
    missing = [
        FollowUpRule(store=store, trigger=trigger, repair_type="", offsets_days=[0], window_days=window,
                     priority=priority, call_script=script)
        for trigger, window, priority, script in CARE_RULES if trigger not in existing
    ]
    FollowUpRule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


CALL_COLUMNS = """
INSERT INTO visits_followup (store_id, customer_id, vehicle_id, care_occasion_id, rule_id, offset_days, due_on,
                             expires_on, priority, status, skip_reason, finished_at, created_at,
                             attempt_count, outcome)
"""


def call_outcome_sql(due="src.due") -> str:
    """status, skip_reason, finished_at of a new call (aliases c customer, cc its service-call
    consent, r rule): skipped when the customer must not be contacted or refused service
    calls, expired when its window has passed, else to be called."""
    return f"""
    CASE WHEN c.do_not_contact OR cc.granted IS FALSE THEN 'skipped'
         WHEN {due} + r.window_days < %(day)s THEN 'expired'
         ELSE 'pending' END,
    CASE WHEN c.do_not_contact THEN 'do_not_contact'
         WHEN cc.granted IS FALSE THEN 'refused_calls'
         ELSE '' END,
    CASE WHEN c.do_not_contact OR cc.granted IS FALSE OR {due} + r.window_days < %(day)s
         THEN %(now)s END
    """


def register_calls():
    from visits.services.call_outcomes import CallKind, register

    from .outcomes import answer_care_call

    answers = {
        Trigger.INSURANCE_RENEWAL: {"results": tuple(RenewalOutcome.choices), "handler": answer_care_call,
                                    "needs_text": (RenewalOutcome.RENEWED_ELSEWHERE,), "text_label": _("Insurer")},
        Trigger.LOST_CUSTOMER: {"results": tuple(RecallReason.choices), "handler": answer_care_call},
    }
    for trigger, _window, priority, script in CARE_RULES:
        register(CallKind(trigger=trigger, priority=priority, script=script,
                          **answers.get(trigger, {"results": (), "handler": None})))
