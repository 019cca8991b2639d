"""GS1 logic shared by the API (validating filters) and the renderer (what each label encodes)."""

from .charset import AI82_CHARS, validate_ai82, validate_lot, validate_serial
from .dates import expiry_yymmdd, gs1_century_year
from .digital_link import DEFAULT_DIGITAL_LINK_BASE, digital_link_uri, normalize_base
from .element_string import FNC1, GS, GS1Data, bracketed, element_string, hri, hri_lines
from .errors import GS1ValidationError
from .gtin import gtin_check_digit, is_valid_gtin14, normalize_gtin

__all__ = [
    "AI82_CHARS",
    "DEFAULT_DIGITAL_LINK_BASE",
    "FNC1",
    "GS",
    "GS1Data",
    "GS1ValidationError",
    "bracketed",
    "digital_link_uri",
    "element_string",
    "expiry_yymmdd",
    "gs1_century_year",
    "gtin_check_digit",
    "hri",
    "hri_lines",
    "is_valid_gtin14",
    "normalize_base",
    "normalize_gtin",
    "validate_ai82",
    "validate_lot",
    "validate_serial",
]
