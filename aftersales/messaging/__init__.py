"""Outbound messages (SMS, email): one entry point, `queue_message`, and an outbox that a
periodic job sends from. See services.py."""
