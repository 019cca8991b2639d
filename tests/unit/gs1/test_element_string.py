from __future__ import annotations

import datetime as dt

import biip
import pytest
from biip.gs1_messages import GS1Message

from labelkit.gs1 import GS, GS1Data, GS1ValidationError, bracketed, element_string, hri, hri_lines

TODAY = dt.date(2026, 11, 28)
AWKWARD = ['A/B%C&D+E"F', "12345678901234567890", "(10)X", "x_y'z", "!%&'()*+,-./:;<=>?_\""[:20], "0"]


def _data(**kw: object) -> GS1Data:
    return GS1Data.create(gtin="09506000134352", today=TODAY, **kw)  # type: ignore[arg-type]


def test_order_and_separators_lot_serial_expiry() -> None:
    data = _data(lot="LOT1", serial="SN9", expiry=dt.date(2027, 1, 31))
    assert element_string(data) == GS + "01095060001343521727013110LOT1" + GS + "21SN9"
    assert element_string(data, leading_fnc1=False) == "01095060001343521727013110LOT1" + GS + "21SN9"
    assert hri(data) == "(01)09506000134352(17)270131(10)LOT1(21)SN9"
    assert hri_lines(data) == ["(01)09506000134352", "(17)270131", "(10)LOT1", "(21)SN9"]
    assert bracketed(data) == "[01]09506000134352[17]270131[10]LOT1[21]SN9"


def test_no_separator_after_last_variable_ai() -> None:
    assert element_string(_data(lot="LOT1")) == GS + "0109506000134352" + "10LOT1"
    assert element_string(_data(serial="S")) == GS + "0109506000134352" + "21S"
    assert element_string(_data()) == GS + "0109506000134352"
    assert element_string(_data(expiry="270131")) == GS + "010950600013435217270131"


@pytest.mark.parametrize("lot", AWKWARD)
@pytest.mark.parametrize("serial", [None, *AWKWARD])
@pytest.mark.parametrize("expiry", [None, dt.date(2027, 2, 28)])
def test_biip_parses_back_exactly(lot: str, serial: str | None, expiry: dt.date | None) -> None:
    data = _data(lot=lot, serial=serial, expiry=expiry)
    msg = GS1Message.parse(element_string(data, leading_fnc1=False))
    got = {es.ai.ai: es.value for es in msg.element_strings}
    want = {"01": data.gtin, "10": lot}
    if serial is not None:
        want["21"] = serial
    if expiry is not None:
        want["17"] = "270228"
    assert got == want
    assert [es.ai.ai for es in msg.element_strings] == [ai for ai, _ in data.pairs()]
    # biip also accepts the leading FNC1 form, and renders the same HRI we do.
    assert biip.parse(element_string(data)).gs1_message is not None
    assert msg.as_hri() == hri(data)


def test_create_names_the_failing_field() -> None:
    with pytest.raises(GS1ValidationError) as info:
        GS1Data.create(gtin="09506000134353", lot="X")
    assert info.value.field == "gtin"
    with pytest.raises(GS1ValidationError) as info:
        GS1Data.create(gtin="09506000134352", lot="X", serial="bad serial")
    assert info.value.field == "serial"
    with pytest.raises(GS1ValidationError) as info:
        GS1Data.create(gtin="09506000134352", lot="", serial="S")
    assert info.value.field == "lot"
    with pytest.raises(GS1ValidationError) as info:
        GS1Data.create(gtin="09506000134352", lot="L", expiry="271301")
    assert info.value.field == "expiry"


def test_validation_error_pickles() -> None:
    import pickle

    err = GS1ValidationError("lot", "is empty")
    back = pickle.loads(pickle.dumps(err))
    assert (back.field, back.reason, str(back)) == ("lot", "is empty", "lot: is empty")
