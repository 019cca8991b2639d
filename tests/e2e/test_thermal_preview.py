"""The dashboard's drawing of a thermal label (preview `thermal_view: drawing`).

The SVG is rasterised by rsvg-convert at one pixel a unit, so one pixel is one printer dot: its size
must be the label's in dots, zxing-cpp must read the exact data from it, and its symbol must sit where
the independent ZPL renderer (tests/support/zpl_render.py) draws the symbol of the same label's ZPL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import zxingcpp
from PIL import Image

from tests.support.api import Api, Tenant
from tests.support.readers import decode_image, needs_rsvg, rasterize_svg
from tests.support.zpl_render import DOTS_PER_MM, render_zpl

pytestmark = pytest.mark.e2e

PREVIEW = "/products/api/v1/labels/preview/"
GS = "\x1d"
# The preview's sample serial (routes_preview.SAMPLE_ITEM), as a reader transmits it.
SAMPLE_ELEMENT_STRING = "0100036000291452" + "17301231" + f"10LOT001{GS}21SN0001"
# How far (in dots) the symbol's corners may differ between our drawing and the ZPL renderer's.
CORNER_TOLERANCE = 2


@pytest.fixture
async def api(api_url: str, tenant: Tenant) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


async def preview(api: Api, body: dict[str, Any]) -> tuple[bytes, str]:
    async with api.session.post(
        api.base_url + PREVIEW, json=body, headers={"X-API-Key": api.api_key or ""}
    ) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.read(), resp.headers["Content-Type"]


def corners(image: Image.Image) -> list[tuple[int, int]]:
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, found
    p = found[0].position
    return [(q.x, q.y) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]


SAMPLE_DIGITAL_LINK = "https://id.gs1.org/01/00036000291452/10/LOT001/21/SN0001?17=301231"
EXPECTED = {
    "datamatrix": ("]d2", SAMPLE_ELEMENT_STRING),
    "qr": ("]Q1", SAMPLE_DIGITAL_LINK),
    "gs1_128": ("]C1", SAMPLE_ELEMENT_STRING),
}
CASES = [
    *(
        pytest.param("datamatrix", mode, dpi, None, id=f"datamatrix-{mode}-{dpi}")
        for dpi in (203, 600)
        for mode in ("native", "graphic")
    ),
    # QR and GS1-128 (with the longest lot and serial the fit check assumes) need larger labels.
    *(
        pytest.param("qr", m, 300, {"width": 101.6, "height": 50.8}, id=f"qr-{m}-300")
        for m in ("native", "graphic")
    ),
    *(
        pytest.param("gs1_128", m, 300, {"width": 250.0, "height": 40.0}, id=f"gs1_128-{m}-300")
        for m in ("native", "graphic")
    ),
]


@needs_rsvg
@pytest.mark.parametrize(("symbol", "mode", "dpi", "size"), CASES)
async def test_drawing_is_the_label_at_printer_dots_where_the_zpl_puts_it(
    api: Api, symbol: str, mode: str, dpi: int, size: dict[str, float] | None, tmp_path: Path
) -> None:
    config: dict[str, Any] = {"printer_dpi": dpi, "zpl_symbols": mode, "symbol": symbol}
    if size:
        config["label_size_mm"] = size
    look = {"export_type": "thermal_labels", "file_format": "zpl", "asset_config": config}
    svg, media = await preview(api, {**look, "thermal_view": "drawing"})
    assert media == "image/svg+xml"
    drawn = rasterize_svg(svg)
    # The label in whole dots (what ^PW/^LL say).
    width, height = (size["width"], size["height"]) if size else (50.8, 25.4)
    assert drawn.size == (int(width * dpi / 25.4), int(height * dpi / 25.4))
    assert decode_image(drawn) == [EXPECTED[symbol]]

    zpl, media = await preview(api, look)
    assert media == "application/vnd.zebra-zpl"
    # The renderer's canvas is mm x its whole dots per mm and it centres ^PW on a wider one: give
    # it exactly the label's dots, so both images have the same origin.
    width_mm, height_mm = (side / DOTS_PER_MM[dpi] for side in drawn.size)
    (printed,) = render_zpl(
        zpl.decode("ascii"), width_mm=width_mm, height_mm=height_mm, dpi=dpi, tmp=tmp_path
    )
    assert printed.size == drawn.size
    assert decode_image(printed) == [EXPECTED[symbol]]
    if (symbol, mode) == ("qr", "native"):
        # The printer chooses its own QR version (often one larger) and draws ^BQ a few dots below
        # ^FO; the layout leaves room for that, the drawing shows our encoder's (docs/printing.md).
        return
    pairs = list(zip(corners(drawn), corners(printed), strict=True))
    if (symbol, mode) == ("gs1_128", "native"):
        # The printer encodes the bars from the ^BC field's subsets (start C, then B), our encoder
        # picks its own: the same start and height, the width may differ by a symbol character.
        pairs = [pairs[0], pairs[3]]  # the left edge: top-left and bottom-left
    for ours, theirs in pairs:
        assert (
            abs(ours[0] - theirs[0]) <= CORNER_TOLERANCE and abs(ours[1] - theirs[1]) <= CORNER_TOLERANCE
        ), (
            corners(drawn),
            corners(printed),
        )


async def test_drawing_refused_over_the_preview_pixel_limit_and_outside_thermal(
    api: Api, api_url: str, other_tenant: Tenant, render_replicas: Any
) -> None:
    # 300 x 1000 mm at 600 dpi is 7086 x 23622 dots: 167 Mpx, over the 64 Mpx limit of previews.
    big = {
        "export_type": "thermal_labels",
        "file_format": "zpl",
        "asset_config": {"printer_dpi": 600, "label_size_mm": {"width": 300, "height": 1000}},
        "thermal_view": "drawing",
    }
    answer = await api.post(PREVIEW, big)
    assert answer.status == 422, answer.body
    (detail,) = answer.body["error"]["details"]
    assert detail["field"] == "asset_config.label_size_mm"
    assert "7086 × 23622 dots" in detail["message"] and "64 megapixel" in detail["message"]

    answer = await api.post(
        PREVIEW, {"export_type": "datamatrix", "file_format": "png", "thermal_view": "drawing"}
    )
    assert answer.status == 422, answer.body
    assert [d["field"] for d in answer.body["error"]["details"]] == ["thermal_view"]

    # The API went on: another organization's thermal job completes.
    other = Api(api.session, api_url, other_tenant)
    product = await other.product("09506000134352")
    lot = (await other.lots(product["id"], [{"lot_number": "OTHER-1", "expiry_date": "2031-05-31"}]))["ids"][
        0
    ]
    await other.serials(lot, ["O1", "O2"])
    receipt = await other.submit(
        {
            "scope": "serials",
            "export_type": "thermal_labels",
            "file_format": "zpl",
            "filters": {"lot_ids": [lot]},
        }
    )
    assert receipt.status == 202, receipt.body
    status = await other.wait_terminal(receipt.body["job_id"])
    assert (status["status"], status["processed_items"]) == ("completed", 2), status
