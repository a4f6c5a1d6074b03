"""What the outbox needs to know of a customer's consent, answered by the app that keeps it.

The core imports no domain app (aftersales/tests/test_import_direction.py), yet the outbox must
honour the consent recorded on the customer's file (PIPL Art. 14–15; MIIT rules on commercial
SMS), and the self-service page and the SMS "TD" reply must withdraw it. The customer file
registers a `ConsentKeeper` here from its AppConfig.ready, the way apps add their calls and the
parts of the customer page.
"""
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

# The consent channels the outbox asks about, and the ways a withdrawal reaches us.
SMS, MARKETING = "sms", "marketing"
SELF_SERVICE, SMS_REPLY = "online", "sms_reply"


@dataclass(frozen=True)
class Standing:
    """A customer's standing for messages: never contacted, SMS refused, marketing allowed."""

    do_not_contact: bool = False
    sms_refused: bool = False
    marketing_allowed: bool = False


class ConsentKeeper(Protocol):
    def standing(self, customer_ids) -> dict[int, Standing]:
        """Every customer's standing, in a fixed number of queries whatever their number."""

    def withdraw(self, *, mobile, channels, how, note, store=None, keep_earlier=False) -> int:
        """Withdraw `channels` for every active customer with this number (of `store`, or of any
        store), in the caller's transaction; with `keep_earlier`, a customer who withdrew
        before keeps that first record. Returns how many customers have this number."""


_keeper: ConsentKeeper | None = None


def register(keeper: ConsentKeeper):
    global _keeper
    _keeper = keeper


def keeper() -> ConsentKeeper:
    if _keeper is None:
        raise ImproperlyConfigured("No consent keeper registered: is the customers app installed?")
    return _keeper
