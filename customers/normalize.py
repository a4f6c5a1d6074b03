"""Normalising what people and DMS exports type: full-width characters, plates, VINs, mobiles,
and the search keys of a name (pinyin, initials, character n-grams)."""
import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Mobile normalising and masking live in the core (the messaging core needs them and imports no
# domain app); re-exported here so the callers that import them from customers keep working.
from aftersales.phones import clean_mobile_value, halfwidth, mask_mobile, normalize_mobile  # noqa: F401

from .vin import is_valid_vin

# Dots, middle dots and separators people put inside plates: 京A·12345, 京A.12345, 京A-12345.
_PLATE_SEPARATORS = re.compile(r"[\s.·•・\-_]")

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # plates leave out I and O
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳领使]$")
# New-energy plates have six characters after the city letter: D/F first (small cars) or
# last (large vehicles).
_NEW_ENERGY = re.compile(
    rf"^[{PROVINCES}][{_LETTER}](?:[DF][{_LETTER}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$"
)


def clean_text(text) -> str:
    """Full-width to half-width, runs of whitespace collapsed, ends trimmed."""
    if text is None:
        return ""
    return " ".join(halfwidth(str(text)).split())


def plate_key(raw: str) -> str:
    """京a·12345 → 京A12345 (no validation)."""
    return _PLATE_SEPARATORS.sub("", halfwidth(raw or "")).upper()


def is_valid_plate(plate: str) -> bool:
    return bool(_ORDINARY.match(plate) or _NEW_ENERGY.match(plate))


def normalize_plate(raw: str) -> str:
    """The plate in its canonical form, or ValueError if it is not a Chinese plate."""
    plate = plate_key(raw)
    if not is_valid_plate(plate):
        raise ValueError(plate)
    return plate


def normalize_vin(raw: str) -> str:
    vin = re.sub(r"\s", "", halfwidth(raw or "")).upper()
    if not is_valid_vin(vin):
        raise ValueError(vin)
    return vin


def name_pinyin(name: str) -> str:
    """张三 → zhangsan; letters in the name are kept, everything else dropped."""
    return "".join(_syllables(name)).lower().replace(" ", "")


def name_initials(name: str) -> str:
    return "".join(syllable[0] for syllable in _syllables(name) if syllable.strip()).lower()


def name_search_keys(name: str) -> tuple[str, str, list[str]]:
    """What a customer is found by: (pinyin, initials, grams) of the name."""
    return name_pinyin(name), name_initials(name), name_grams(name)


# An import writes tens of thousands of customers whose names repeat (张伟, 王芳, …): each name
# is read into pinyin once (pypinyin was a fifth of an import's commit).
@lru_cache(maxsize=65536)
def _syllables(name: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(name, style=Style.NORMAL, errors="default"))


def name_grams(name: str) -> list[str]:
    """Every character and every pair of neighbours: 张三丰 → 张, 三, 丰, 张三, 三丰.

    A GIN index over these finds any part of a name, which pg_trgm cannot do for two- and
    three-character Chinese names."""
    chars = [c for c in clean_text(name).lower() if not c.isspace()]
    grams = set(chars) | {a + b for a, b in zip(chars, chars[1:])}
    return sorted(grams)


def query_grams(text: str) -> list[str]:
    """The grams a name must contain to contain `text`."""
    chars = [c for c in clean_text(text).lower() if not c.isspace()]
    if len(chars) == 1:
        return chars
    return sorted({a + b for a, b in zip(chars, chars[1:])})
