"""One row of a DMS export, normalised: full-width digits, stray spaces, Excel dates as serial
numbers or text, plates with or without the dot, mobiles, VINs and repair types."""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..normalize import clean_text, halfwidth, normalize_mobile, normalize_plate, normalize_vin
from .columns import match_repair_type

# What a bad row is reported with; stored as the code, shown in the reader's language.
MESSAGES = {
    "required": _("This value is required."),
    "vehicle_required": _("Give the VIN or the plate."),
    "bad_date": _("Not a date this import understands (e.g. 2024-03-15 or 2024/3/15 9:30)."),
    "bad_vin": _("Not a valid VIN (17 characters, no I, O or Q, with a correct check digit)."),
    "bad_plate": _("Not a valid Chinese plate."),
    # A warning, not an error: the row is imported without the number (see parse_row).
    "bad_mobile": _(
        "Not a valid mobile number: the repair order is imported, and the customer is kept "
        "without a mobile and marked as having a wrong number."
    ),
    "unknown_repair_type": _("Unknown repair type; map it to one of ours on the preview page."),
    "duplicate_order_no": _("This repair order number is already on row %(first_row)s of the file."),
    "closed_before_opened": _("The repair order closes before it opens."),
    "bad_number": _("Not a number."),
    "negative": _("Must not be negative."),
    "too_large": _("The number is too large."),
    "bad_yes_no": _("Write yes or no (是/否)."),
    "too_long": _("Too long: at most %(limit)s characters."),
}

MAX_LENGTHS = {
    "order_no": 40,
    "customer_name": 50,
    "advisor_name": 50,
    "technician": 50,
    "brand": 50,
    "model": 50,
}
MAX_MILEAGE = 2_000_000
MAX_AMOUNT = Decimal("9999999999.99")
_CENT = Decimal("0.01")

_YES = {"是", "y", "yes", "true", "1", "预约", "√", "✓", "有", "t", "x"}
_NO = {"", "否", "n", "no", "false", "0", "非预约", "无", "f", "-", "×"}

# 2024-03-15, 2024/3/15, 2024.3.15, 2024年3月15日, with an optional time 9:30 / 09:30:15.5
_DATE_TEXT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]*(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?)?"
    r"(?:[+-]\d{2}:?\d{2}|Z)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Serial numbers between 1950 and 2100: anything else is not a date of a repair order.
_SERIAL_RANGE = (18264, 73051)
_NUMBER_NOISE = re.compile(r"[\s,，¥￥元]|km|公里|千米", re.IGNORECASE)


class FieldError(Exception):
    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(slots=True)
class Row:
    number: int
    order_no: str = ""
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    repair_type: str = ""
    plate: str = ""
    vin: str = ""
    customer_name: str = ""
    mobile: str = ""
    mileage: int | None = None
    advisor_name: str = ""
    technician: str = ""
    amount: Decimal | None = None
    brand: str = ""
    model: str = ""
    from_appointment: bool = False
    declined_work: str = ""
    # The mobile as written when it is no valid number (the row is imported without it).
    bad_mobile: str = ""
    # (pinyin, initials, grams) of the customer's name, for a new customer (Customer.refresh_search_keys).
    name_keys: tuple | None = None
    # [(field, code, params, raw value)]: errors leave the row out, warnings do not.
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def cell_text(value) -> str:
    """A cell as text: 13800138000.0 → "13800138000", full-width and stray spaces cleaned."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return clean_text(value)


def _aware(value: datetime) -> datetime:
    if timezone.is_aware(value):
        return value
    return timezone.make_aware(value, timezone.get_default_timezone())


def _checked(value: datetime) -> datetime:
    if not 1950 <= value.year <= 2100:
        raise FieldError("bad_date")
    return _aware(value)


def _local_date(value: datetime) -> date:
    return timezone.localtime(value).date()


def is_date_only(value: datetime) -> bool:
    """Whether a parsed moment carries no time of day (a date, or a date written at 00:00,
    as Excel stores a date)."""
    local = timezone.localtime(value)
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


# What a DMS writes in the first column of the totals row at the bottom of an export.
TOTALS_WORDS = frozenset({"合计", "总计", "小计", "合计金额", "总合计", "total", "totals", "grandtotal", "sum"})


def is_totals_row(first_cell, vehicle_cells) -> bool:
    """The export's totals row: 合计 (or the like) in the first column, and no vehicle."""
    key = re.sub(r"[\s:：]+", "", cell_text(first_cell)).lower()
    return key in TOTALS_WORDS and not any(cell_text(cell) for cell in vehicle_cells)


def parse_datetime(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _checked(value)
    if isinstance(value, date):
        return _checked(datetime.combine(value, time()))
    if isinstance(value, time):
        raise FieldError("bad_date")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(value)
    text = clean_text(value)
    if not text:
        return None
    try:
        if match := _DATE_TEXT.match(text):
            year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            return _checked(datetime(year, month, day, hour, minute, second))
        if match := _COMPACT.match(text):
            year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            return _checked(datetime(year, month, day, hour, minute, second))
    except ValueError:  # 2024-02-30
        raise FieldError("bad_date") from None
    try:
        number = float(text)
    except ValueError:
        raise FieldError("bad_date") from None
    return _from_number(number)


def _from_number(number) -> datetime:
    if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        moment = _EXCEL_EPOCH + timedelta(days=float(number))
        # Serial fractions carry float noise: round to the second.
        moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
        return _aware(moment)
    if isinstance(number, int) or float(number).is_integer():
        match = _COMPACT.match(str(int(number)))
        if match:
            try:
                year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
                return _checked(datetime(year, month, day, hour, minute, second))
            except ValueError:
                pass
    raise FieldError("bad_date")


def _number_text(value) -> str:
    if isinstance(value, bool):
        raise FieldError("bad_number")
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return _NUMBER_NOISE.sub("", halfwidth(str(value)))


def _parse_quantity(value, limit) -> Decimal | None:
    """A finite number between 0 and `limit`, or None for an empty cell."""
    if value is None:
        return None
    text = _number_text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise FieldError("bad_number") from None
    if not number.is_finite():
        raise FieldError("bad_number")
    if number < 0:
        raise FieldError("negative")
    if number > limit:
        raise FieldError("too_large")
    return number


def parse_mileage(value) -> int | None:
    number = _parse_quantity(value, MAX_MILEAGE)
    return None if number is None else int(number.to_integral_value())


def parse_amount(value) -> Decimal | None:
    number = _parse_quantity(value, MAX_AMOUNT)
    return None if number is None else number.quantize(_CENT)


def parse_yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    key = cell_text(value).lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise FieldError("bad_yes_no")


@lru_cache(maxsize=65536)
def _mobile(text):
    try:
        return normalize_mobile(text)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _vin(text):
    try:
        return normalize_vin(text)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _plate(text):
    try:
        return normalize_plate(text)
    except ValueError:
        return None


def _text(row, fields, name):
    text = cell_text(fields.get(name))
    limit = MAX_LENGTHS.get(name)
    if limit and len(text) > limit:
        raise FieldError("too_long", limit=limit)
    return text


def parse_row(number, fields: dict, repair_types=None) -> Row:
    """A `Row` from {canonical field: raw cell}; fields that are not mapped are absent.

    Every problem is recorded in `row.errors` (a row may have several)."""
    row = Row(number=number)

    def attempt(name, parse):
        try:
            return parse()
        except FieldError as error:
            raw = fields.get(name)
            row.errors.append((name, error.code, error.params, cell_text(raw)))
            return None

    def required(name, value):
        if value in ("", None):
            row.errors.append((name, "required", {}, ""))
        return value

    row.order_no = attempt("order_no", lambda: _text(row, fields, "order_no")) or ""
    required("order_no", row.order_no)
    row.customer_name = attempt("customer_name", lambda: _text(row, fields, "customer_name")) or ""
    required("customer_name", row.customer_name)

    row.opened_at = attempt("opened_at", lambda: parse_datetime(fields.get("opened_at")))
    if not any(code == "bad_date" for _f, code, _p, _v in row.errors):
        required("opened_at", row.opened_at)
    if "closed_at" in fields:
        row.closed_at = attempt("closed_at", lambda: parse_datetime(fields.get("closed_at")))
    if row.opened_at and row.closed_at and row.closed_at < row.opened_at:
        if is_date_only(row.closed_at) and _local_date(row.closed_at) == _local_date(row.opened_at):
            # "Settled 2026-10-05" for a car in at 10:30 that day: a date compares as a date.
            # It closed that day, no earlier than it opened.
            row.closed_at = row.opened_at
        else:
            row.errors.append(("closed_at", "closed_before_opened", {}, cell_text(fields.get("closed_at"))))

    raw_type = cell_text(fields.get("repair_type"))
    if not raw_type:
        required("repair_type", "")
    else:
        row.repair_type = match_repair_type(raw_type, repair_types) or ""
        if not row.repair_type:
            row.errors.append(("repair_type", "unknown_repair_type", {}, raw_type))

    vin_text = cell_text(fields.get("vin"))
    if vin_text:
        row.vin = _vin(vin_text) or ""
        if not row.vin:
            row.errors.append(("vin", "bad_vin", {}, vin_text))
    plate_text = cell_text(fields.get("plate"))
    if plate_text:
        row.plate = _plate(plate_text) or ""
        if not row.plate:
            row.errors.append(("plate", "bad_plate", {}, plate_text))
    if not vin_text and not plate_text:
        row.errors.append(("vin" if "vin" in fields else "plate", "vehicle_required", {}, ""))

    mobile_text = cell_text(fields.get("mobile"))
    if mobile_text:
        row.mobile = _mobile(mobile_text) or ""
        if not row.mobile:
            row.bad_mobile = mobile_text[:100]
            row.warnings.append(("mobile", "bad_mobile", {}, mobile_text))

    if "mileage" in fields:
        row.mileage = attempt("mileage", lambda: parse_mileage(fields.get("mileage")))
    if "amount" in fields:
        row.amount = attempt("amount", lambda: parse_amount(fields.get("amount")))
    if "from_appointment" in fields:
        row.from_appointment = bool(attempt("from_appointment", lambda: parse_yes_no(fields.get("from_appointment"))))
    for name in ("advisor_name", "technician", "brand", "model"):
        if name in fields:
            setattr(row, name, attempt(name, lambda name=name: _text(row, fields, name)) or "")
    if "declined_work" in fields:
        raw = fields.get("declined_work")
        row.declined_work = "\n".join(
            line for line in (clean_text(part) for part in halfwidth(str(raw or "")).splitlines()) if line
        )
    return row


def error_message(code, params) -> str:
    message = MESSAGES.get(code, code)
    return str(message) % params if params else str(message)
