"""Mobile numbers as people and DMS exports type them: full-width digits, separators, +86.

Part of the core because the messaging core (outbox, verification codes, webhooks) normalises and
masks mobiles and imports no domain app; customers.normalize re-exports these."""
import re
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Full-width ASCII (U+FF01–U+FF5E) maps onto ASCII by a fixed offset; U+3000 is a full-width space.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# The same map as the two strings of SQL's translate(text, from, to).
FULLWIDTH_CHARACTERS = "".join(map(chr, _FULLWIDTH))
HALFWIDTH_CHARACTERS = "".join(map(chr, _FULLWIDTH.values()))


def halfwidth(text: str) -> str:
    return (text or "").translate(_FULLWIDTH)


def normalize_mobile(raw: str) -> str:
    """A mainland mobile as its 11 digits (others in E.164), or ValueError."""
    return _parsed_mobile(re.sub(r"[\s\-()（）]", "", halfwidth(str(raw or ""))))


# A DMS export names each customer's mobile on every repair order: parsed once, not each time
# (the phone library's parse was a quarter of reading an import's rows).
@lru_cache(maxsize=65536)
def _parsed_mobile(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError(text) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(text)
    if number.country_code == 86:
        if phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            raise ValueError(text)
        return str(number.national_number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_mobile(mobile: str) -> str:
    """138****5678: enough to recognise a number, not enough to call it."""
    if not mobile:
        return ""
    if len(mobile) <= 7:
        return "*" * len(mobile)
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"


def clean_mobile_value(raw):
    """The normalised mobile, or a ValidationError in the user's language."""
    try:
        return normalize_mobile(raw)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a valid mobile number."), params={"value": raw}
        ) from None
