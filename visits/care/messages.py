"""Queueing care messages into the core outbox set-wise (INSERT … SELECT … ON CONFLICT DO
NOTHING on the idempotency key): the same rows `aftersales.messaging.services.queue_message`
writes, for thousands at once. The outbox applies consent, do-not-contact, the daily cap of
marketing messages, quiet hours and the opt-out line when it sends.

The statements over the occasions a job has just made read them as
`FROM unnest(%(ids)s::bigint[]) AS made(id) JOIN visits_careoccasion o ON o.id = made.id`, not
`WHERE o.id = ANY(%(ids)s)`: with the table's statistics stale after the insert, the latter was
planned as a scan checking each row against the whole array, quadratic in the day's occasions
(45,000 maintenance reminders took 10 s where the join takes well under one)."""

OUTBOX_INSERT = """
INSERT INTO aftersales_outboundmessage
    (store_id, customer_id, kind, purpose, channel, "to", language, context, idempotency_key, status,
     send_after, attempts, subject, body, provider_message_id, suppression_reason, last_error, created_at)
"""

# Each variable a template may use, as SQL over the aliases c (customer), ve (vehicle),
# s (store) and o (occasion). Fixed strings, never built from input.
_VARIABLES = {
    "name": "c.name",
    "plate": "coalesce(ve.plate, '')",
    "due": "to_char(o.due_on, 'YYYY-MM-DD')",
    "link": "%(site_url)s || '/b/' || s.code || '/'",
    "holiday": "o.subject",
    "offer": "o.subject",
}


def message_context_sql(*names) -> str:
    """A jsonb_build_object(...) of the named template variables."""
    return "jsonb_build_object(" + ", ".join(f"'{name}', {_VARIABLES[name]}" for name in names) + ")"
