"""Actions of the visits module, one transaction each: scheduling the calls (the morning job),
working the queue (claims, leases, assignment), recording calls and surveys, and the reports
sent at the end of the day and of the week."""
from .calls import CallError, record_attempt, record_attempt_and_claim_next, record_on_site_survey
from .queue import assign, claim_next, release, release_stale_claims
from .reports import send_end_of_day_reports, send_weekly_findings
from .scheduling import (
    cancel_obsolete,
    create_followups,
    ensure_default_rules,
    expire_overdue,
    merge_same_day,
    settle_covered,
)

__all__ = [
    "CallError", "assign", "cancel_obsolete", "claim_next", "create_followups", "ensure_default_rules",
    "expire_overdue", "merge_same_day", "record_attempt", "record_attempt_and_claim_next",
    "record_on_site_survey", "release",
    "release_stale_claims", "send_end_of_day_reports", "send_weekly_findings", "settle_covered",
]
