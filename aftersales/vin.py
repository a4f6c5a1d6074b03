"""Vehicle identification numbers (ISO 3779 / GB 16735): 17 characters, no I, O or Q, with a
check digit in position 9 computed from the other sixteen."""

VIN_LENGTH = 17
_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9))),
    **dict(zip("JKLMN", range(1, 6))),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10))),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(vin: str) -> str:
    """The check character for `vin` (position 9 is ignored in the sum)."""
    total = sum(_VALUES[char] * weight for char, weight in zip(vin.upper(), _WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid_vin(vin: str) -> bool:
    vin = vin.upper()
    if len(vin) != VIN_LENGTH or any(char not in _VALUES for char in vin):
        return False
    return vin[8] == check_digit(vin)


def with_check_digit(vin: str) -> str:
    """`vin` with position 9 set to its check digit."""
    vin = vin.upper()
    return vin[:8] + check_digit(vin) + vin[9:]
