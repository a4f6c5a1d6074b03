"""VIN rules live in the core (aftersales.vin: the demo data builds VINs, and the core imports no
domain app); re-exported here for the callers that import them from customers."""
from aftersales.vin import VIN_LENGTH, _VALUES, check_digit, is_valid_vin, with_check_digit  # noqa: F401
