"""The preview route's sample label (api_service.http.routes_preview.SAMPLE_ITEM) as a reader
transmits it, and the GTIN the dashboard tests give their products."""

from __future__ import annotations

GTIN = "09506000134352"
GS = "\x1d"
SAMPLE_GTIN = "00036000291452"
SAMPLE_ELEMENT_STRING = f"01{SAMPLE_GTIN}17301231" + f"10LOT001{GS}21SN0001"
SAMPLE_DIGITAL_LINK = f"https://id.gs1.org/01/{SAMPLE_GTIN}/10/LOT001/21/SN0001?17=301231"
