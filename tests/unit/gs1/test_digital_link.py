from __future__ import annotations

import datetime as dt

import pytest
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message

from labelkit.gs1 import GS1Data, GS1ValidationError, digital_link_uri, element_string

TODAY = dt.date(2026, 11, 28)


def test_full_uri_shape() -> None:
    data = GS1Data.create(gtin="09506000134352", lot='A/B%&+"', serial="X", expiry="270131", today=TODAY)
    assert (
        digital_link_uri(data) == "https://id.gs1.org/01/09506000134352/10/A%2FB%25%26%2B%22/21/X?17=270131"
    )


def test_absent_parts_left_out_and_base_trailing_slash() -> None:
    data = GS1Data.create(gtin="9506000134352", lot="L1")
    assert (
        digital_link_uri(data, "https://example.com/dl/") == "https://example.com/dl/01/09506000134352/10/L1"
    )
    assert digital_link_uri(GS1Data.create(gtin="9506000134352")) == "https://id.gs1.org/01/09506000134352"


@pytest.mark.parametrize("lot", ["!\"%&'()*+,-./:;<=>?", "abc_DEF-1.2", "12345678901234567890"])
@pytest.mark.parametrize("serial", [None, "S/1", "Z"])
@pytest.mark.parametrize("expiry", [None, "290615"])
def test_biip_agrees(lot: str, serial: str | None, expiry: str | None) -> None:
    data = GS1Data.create(gtin="09506000134352", lot=lot, serial=serial, expiry=expiry, today=TODAY)
    uri = digital_link_uri(data)
    # Oracle 1: biip parses our URI back to the same element strings.
    parsed = GS1DigitalLinkURI.parse(uri)
    got = {es.ai.ai: es.value for es in parsed.element_strings}
    assert got == dict(data.pairs())
    # Oracle 2: biip builds the identical URI from the same data (same percent-encoding).
    msg = GS1Message.parse(element_string(data, leading_fnc1=False))
    assert GS1DigitalLinkURI.from_element_strings(msg.element_strings).as_uri() == uri


@pytest.mark.parametrize(
    "base", ["ftp://x.org", "id.gs1.org", "https://x.org/?a=1", "https://x.org/#f", "https://x .org"]
)
def test_bad_base_rejected(base: str) -> None:
    with pytest.raises(GS1ValidationError) as info:
        digital_link_uri(GS1Data.create(gtin="09506000134352"), base)
    assert info.value.field == "digital_link_base"
