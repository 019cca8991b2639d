"""The dashboard at /labels/ and the preview route behind it.

HTTP checks (always run): the page and its assets are served with the right types and a strict
CSP; the preview draws one label of every allowed type/format pair that an independent reader
decodes, validates like a submit, and keeps to the caller's organization.

Browser journeys (headless Debian Chromium driven by Playwright; skipped, saying what is missing,
when either is absent): key → form → preview → submit → progress → download → the ZIP; a 422 shown
next to its field; cancelling a running job.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import os
import re
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
import zxingcpp

from api_service.http.dashboard import CONTENT_SECURITY_POLICY
from labelkit.export_spec import ALLOWED_FORMATS
from tests.support.api import Api, Tenant
from tests.support.readers import (
    decode_image,
    decode_pdf_cells,
    decode_png,
    needs_gs,
    needs_pdf_tools,
    needs_rsvg,
    qpdf_check,
    rasterize_eps,
    rasterize_svg,
)
from tests.support.zpl_render import render_and_decode

if TYPE_CHECKING:
    from playwright.async_api import Browser, Locator, Page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-artifacts" / "dashboard.png"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PREVIEW = "/products/api/v1/labels/preview/"
GTIN = "09506000134352"
GS = "\x1d"
# The preview's sample serial (routes_preview.SAMPLE_ITEM), as a reader transmits it.
SAMPLE_GTIN = "00036000291452"
SAMPLE_ELEMENT_STRING = f"01{SAMPLE_GTIN}17301231" + f"10LOT001{GS}21SN0001"
SAMPLE_DIGITAL_LINK = f"https://id.gs1.org/01/{SAMPLE_GTIN}/10/LOT001/21/SN0001?17=301231"


@pytest.fixture
async def api(api_url: str, tenant: Tenant) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


# --- the page ------------------------------------------------------------------------------------


async def test_page_and_assets_are_served_with_a_strict_csp(api_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(api_url + "/labels", allow_redirects=False) as resp:
            assert resp.status == 308 and resp.headers["Location"] == "/labels/"
        async with session.get(api_url + "/labels/") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
            csp = resp.headers["Content-Security-Policy"]
            html = await resp.text()
            etag = resp.headers["ETag"]
        assert csp == CONTENT_SECURITY_POLICY
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        assert directives["script-src"] == "'self'" and directives["connect-src"] == "'self'"
        assert "unsafe" not in csp
        # No inline script or style: every script is a file, no element carries a style attribute.
        assert re.findall(r"<script\b[^>]*>", html) == ['<script type="module" src="assets/main.js">']
        assert "style=" not in html and "<style" not in html and "on" + "click=" not in html
        async with session.get(api_url + "/labels/", headers={"If-None-Match": etag}) as resp:
            assert resp.status == 304

        for name, content_type in [
            ("main.js", "text/javascript; charset=utf-8"),
            ("api.js", "text/javascript; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("favicon.svg", "image/svg+xml"),
        ]:
            async with session.get(f"{api_url}/labels/assets/{name}") as resp:
                assert resp.status == 200, name
                assert resp.headers["Content-Type"] == content_type
                assert resp.headers["X-Content-Type-Options"] == "nosniff"
        for missing in ("index.html", "nope.js", "..%2Fapp.py", "%2E%2E%2F%2E%2E%2Fapp.py"):
            async with session.get(f"{api_url}/labels/assets/{missing}") as resp:
                assert resp.status == 404, missing
                assert (await resp.json())["error"]["code"] == "NOT_FOUND"

        async with session.get(api_url + "/labels/options.json") as resp:
            options = await resp.json()
        assert options["allowed_formats"] == {k: sorted(v) for k, v in ALLOWED_FORMATS.items()}
        assert "custom" not in [t["name"] for t in options["sheet_templates"]]


# --- the preview route ---------------------------------------------------------------------------


PAIRS: list[Any] = [
    pytest.param("datamatrix", "png", {}, decode_png, ("]d2", SAMPLE_ELEMENT_STRING), id="dm-png"),
    pytest.param(
        "datamatrix",
        "svg",
        {},
        lambda b: decode_image(rasterize_svg(b)),
        ("]d2", SAMPLE_ELEMENT_STRING),
        id="dm-svg",
        marks=needs_rsvg,
    ),
    pytest.param("qr_codes", "png", {}, decode_png, ("]Q1", SAMPLE_DIGITAL_LINK), id="qr-png"),
    pytest.param(
        "qr_codes",
        "svg",
        {},
        lambda b: decode_image(rasterize_svg(b)),
        ("]Q1", SAMPLE_DIGITAL_LINK),
        id="qr-svg",
        marks=needs_rsvg,
    ),
    pytest.param(
        "barcodes_1d",
        "svg",
        {},
        lambda b: decode_image(rasterize_svg(b)),
        ("]C1", SAMPLE_ELEMENT_STRING),
        id="1d-svg",
        marks=needs_rsvg,
    ),
    pytest.param(
        "barcodes_1d",
        "eps",
        {},
        lambda b: decode_image(rasterize_eps(b)),
        ("]C1", SAMPLE_ELEMENT_STRING),
        id="1d-eps",
        marks=needs_gs,
    ),
    pytest.param(
        "barcodes_1d",
        "svg",
        {"asset_config": {"barcode_type": "upca"}},
        lambda b: decode_image(rasterize_svg(b)),
        ("]E0", SAMPLE_GTIN[1:]),  # readers report UPC-A as the EAN-13 it is a subset of
        id="upca-svg",
        marks=needs_rsvg,
    ),
    pytest.param(
        "codes_combined",
        "png",
        {"combined_symbol": "qr"},
        decode_png,
        ("]Q1", SAMPLE_DIGITAL_LINK),
        id="combined-qr",
    ),
    pytest.param(
        "codes_combined",
        "png",
        {"combined_symbol": "1d"},
        decode_png,
        ("]C1", SAMPLE_ELEMENT_STRING),
        id="combined-1d",
    ),
]
MEDIA = {"png": "image/png", "svg": "image/svg+xml", "eps": "application/postscript"}


@pytest.mark.parametrize(("export_type", "file_format", "extra", "read", "expected"), PAIRS)
async def test_preview_draws_a_sample_label_a_reader_decodes(
    api: Api,
    export_type: str,
    file_format: str,
    extra: dict[str, Any],
    read: Callable[[bytes], list[tuple[str, str]]],
    expected: tuple[str, str],
) -> None:
    body: dict[str, Any] = {"export_type": export_type, "file_format": file_format, **extra}
    data, headers = await preview_bytes(api, body)
    assert headers["Content-Type"] == MEDIA[file_format]
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "RateLimit-Limit" in headers
    assert read(data) == [expected]


async def preview_bytes(api: Api, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The answer's exact bytes (the Api helper decodes non-JSON bodies as text)."""
    async with api.session.post(
        api.base_url + PREVIEW, json=body, headers={"X-API-Key": api.api_key or ""}
    ) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.read(), dict(resp.headers)


@pytest.mark.parametrize("dpi", [203, 600])
async def test_preview_of_a_thermal_label_is_its_zpl_at_the_chosen_resolution(
    api: Api, dpi: int, tmp_path: Path
) -> None:
    """The one block the export would hold, at printer_dpi: the independent renderer draws it and
    zxing-cpp reads the sample's data; the ^FX line names the dots of that resolution."""
    body = {"export_type": "thermal_labels", "file_format": "zpl", "asset_config": {"printer_dpi": dpi}}
    data, headers = await preview_bytes(api, body)
    assert headers["Content-Type"] == "application/vnd.zebra-zpl"
    text = data.decode("ascii")
    dots = round(0.5 * dpi / 25.4)
    assert f"x_mm={round(dots * 25.4 / dpi, 3)} dots={dots} dpi={dpi}" in text.splitlines()[1]
    scanned = render_and_decode(text, width_mm=50.8, height_mm=25.4, dpi=dpi, tmp=tmp_path)
    assert [[(d.symbology_id, d.text) for d in found] for found in scanned] == [
        [("]d2", f"(01){SAMPLE_GTIN}(17)301231(10)LOT001(21)SN0001")]
    ]


@needs_pdf_tools
async def test_preview_of_a_sheet_is_a_one_page_pdf_with_that_label(api: Api, tmp_path: Path) -> None:
    from labelkit.sheets.templates import BUILTIN_TEMPLATES

    body = {
        "export_type": "sheet_pdf",
        "file_format": "pdf",
        "asset_config": {"sheet_template": "24up_70x37mm_a4"},
    }
    data, _ = await preview_bytes(api, body)
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    qpdf_check(path)
    cells = decode_pdf_cells(path, BUILTIN_TEMPLATES["24up_70x37mm_a4"], 1, zxingcpp.BarcodeFormat.DataMatrix)
    assert cells == [("]d2", SAMPLE_ELEMENT_STRING)]


async def test_preview_of_own_entities_and_not_of_another_organizations(
    api: Api, api_url: str, other_tenant: Tenant
) -> None:
    product = await api.product(GTIN)
    lot = (await api.lots(product["id"], [{"lot_number": "PRV-9", "expiry_date": "2029-02-28"}]))["ids"][0]
    serial = (await api.serials(lot, ["S-42"]))["ids"][0]

    look = {"export_type": "datamatrix", "file_format": "png"}
    assert decode_png((await preview_bytes(api, {**look, "serial_id": serial}))[0]) == [
        ("]d2", f"01{GTIN}17290228" + f"10PRV-9{GS}21S-42")
    ]
    assert decode_png((await preview_bytes(api, {**look, "lot_id": lot}))[0]) == [
        ("]d2", f"01{GTIN}17290228" + "10PRV-9")
    ]

    other = Api(api.session, api_url, other_tenant)
    for field, entity in (("serial_id", serial), ("lot_id", lot)):
        answer = await other.post(PREVIEW, {**look, field: entity})
        assert answer.status == 404, answer.body
        assert answer.body["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"export_type": "datamatrix", "file_format": "eps"}, ["file_format"]),
        ({"export_type": "qr_codes", "file_format": "png", "scope": "lots"}, ["scope"]),
        (
            {"export_type": "qr_codes", "file_format": "png", "asset_config": {"symbol": "qr"}},
            ["asset_config.symbol"],
        ),
        (
            {"export_type": "qr_codes", "file_format": "png", "asset_config": {"dpi": "300"}},
            ["asset_config.dpi"],
        ),
        (
            {
                "export_type": "sheet_pdf",
                "file_format": "pdf",
                "asset_config": {"sheet_template": {"columns": 0}},
            },
            [
                "asset_config.sheet_template.page_width_mm",
                "asset_config.sheet_template.page_height_mm",
                "asset_config.sheet_template.rows",
                "asset_config.sheet_template.label_width_mm",
                "asset_config.sheet_template.label_height_mm",
                "asset_config.sheet_template.columns",
            ],
        ),
        (
            {
                "export_type": "datamatrix",
                "file_format": "png",
                "lot_id": "6f1c1d54-8f59-4a57-a1b5-0c8d8c0f4a11",
                "serial_id": "6f1c1d54-8f59-4a57-a1b5-0c8d8c0f4a12",
            },
            ["serial_id"],
        ),
        ({"export_type": "datamatrix", "file_format": "png", "combined_symbol": "qr"}, ["combined_symbol"]),
        # 10 mm modules at 2400 dpi with a 100-module quiet zone: a 45-gigapixel PNG, refused at once.
        (
            {
                "export_type": "datamatrix",
                "file_format": "png",
                "asset_config": {"dpi": 2400, "module_mm": 10, "quiet_zone_modules": 100},
            },
            ["asset_config.dpi"],
        ),
        # A GS1-128 with its text is far wider than the default 50.8 mm thermal label.
        (
            {"export_type": "thermal_labels", "file_format": "zpl", "asset_config": {"symbol": "gs1_128"}},
            ["asset_config.label_size_mm"],
        ),
        ({"export_type": "datamatrix", "file_format": "zpl"}, ["file_format"]),
    ],
)
async def test_preview_validates_like_a_submit(api: Api, body: dict[str, Any], fields: list[str]) -> None:
    answer = await api.post(PREVIEW, body)
    assert answer.status == 422, answer.body
    error = answer.body["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["status"] == 422
    assert [d["field"] for d in error["details"]] == fields


async def test_preview_needs_a_key(api_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        anonymous = Api(session, api_url, None)
        answer = await anonymous.post(PREVIEW, {"export_type": "datamatrix", "file_format": "png"})
    assert answer.status == 401 and answer.body["error"]["code"] == "UNAUTHORIZED"


# --- the browser ---------------------------------------------------------------------------------


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.is_file():
        return f"Chromium not found at {CHROMIUM}: install the Debian package `chromium`"
    if importlib.util.find_spec("playwright") is None:
        return "the Python package `playwright` is not installed (pip dev dependency)"
    return None


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    # The Debian binary, never `playwright install` (it downloads browsers).
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


class Watch:
    """What a page did that it must not: script errors, CSP violations, the key sent elsewhere."""

    def __init__(self, page: Page, api_url: str) -> None:
        self.errors: list[str] = []
        self.keyed_urls: list[str] = []
        self.api_url = api_url
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", lambda message: self._console(message.type, message.text))
        page.on("request", lambda request: self._request(request.url, request.headers))

    def _console(self, kind: str, text: str) -> None:
        # Chromium logs every 4xx answer to fetch(); the 422s the tests provoke on purpose are fine.
        if kind == "error" and "status of 422" not in text:
            self.errors.append(text)

    def _request(self, url: str, headers: dict[str, str]) -> None:
        if "x-api-key" in headers:
            self.keyed_urls.append(url)

    async def check(self, page: Page, key: str) -> None:
        assert self.errors == []
        violations = await page.evaluate("() => window.__cspViolations")
        assert violations == []
        assert self.keyed_urls, "no API call carried the key"
        assert all(url.startswith(self.api_url + "/products/api/v1/") for url in self.keyed_urls), (
            self.keyed_urls
        )
        stored = await page.evaluate(
            "() => [localStorage.length, document.cookie, sessionStorage.getItem('labels-dashboard.api-key')]"
        )
        assert stored == [0, "", key]


async def open_dashboard(browser: Browser, api_url: str, key: str) -> tuple[Page, Watch]:
    context = await browser.new_context(accept_downloads=True, viewport={"width": 1440, "height": 1400})
    # Runs before the page's own scripts, outside its CSP: records any violation the page causes.
    await context.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = await context.new_page()
    watch = Watch(page, api_url)
    await page.goto(api_url + "/labels/")
    await page.wait_for_selector("body[data-ready='true']")
    await page.fill("#api-key", key)
    await page.click("#use-key")
    from playwright.async_api import expect

    await expect(page.locator("#key-status")).to_contain_text("Key accepted")
    return page, watch


# Draws the shown preview onto a canvas (a blob: image of our origin does not taint it) and hands
# the pixels back as a PNG data URL: what the user sees, not what went over the wire.
_SHOWN_PIXELS = """(img) => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.drawImage(img, 0, 0);
  return canvas.toDataURL('image/png');
}"""


async def shown_preview(page: Page, *, changed: bool = False) -> list[tuple[str, str]]:
    """The symbols in the preview image on screen, once it is loaded (and, with `changed`, once it
    is a newer image than the one shown now)."""
    image = page.locator("#preview-output img.preview-image")
    before = await image.get_attribute("src") if changed else None
    await page.wait_for_function(
        """(before) => {
             const i = document.querySelector('#preview-output img.preview-image');
             return i && i.src.startsWith('blob:') && i.src !== before && i.complete && i.naturalWidth > 0;
           }""",
        arg=before,
    )
    data_url = await image.evaluate(_SHOWN_PIXELS)
    return decode_png(base64.b64decode(data_url.split(",", 1)[1]))


def job_row(page: Page) -> Locator:
    return page.locator("#jobs tbody tr").first


async def test_dashboard_export_journey(
    api: Api, api_url: str, tenant: Tenant, render_replicas: Any, browser: Browser, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    product = await api.product(GTIN, "Dashboard product")
    lot = (await api.lots(product["id"], [{"lot_number": "DASH-1", "expiry_date": "2031-05-31"}]))["ids"][0]
    serial_numbers = [f"D{n:04d}" for n in range(12)]
    serials = (await api.serials(lot, serial_numbers))["ids"]

    page, watch = await open_dashboard(browser, api_url, tenant.api_key)
    await page.select_option("#scope", "serials")
    await page.select_option("#export_type", "datamatrix")
    # Only the allowed pairs (docs/contract.md#export-types-and-formats) are offered.
    assert await page.locator("#file_format option").all_inner_texts() == ["png", "svg"]
    await page.select_option("#file_format", "png")
    await page.fill("#f-product_id", product["id"])

    # The preview: the label the page shows (read back from its pixels) decodes to the sample's data…
    await page.click("#refresh-preview")
    assert await shown_preview(page) == [("]d2", SAMPLE_ELEMENT_STRING)]
    # …and to one of the catalog's serials once one is named.
    await page.fill("#p-serial_id", serials[3])
    assert await shown_preview(page, changed=True) == [("]d2", f"01{GTIN}17310531" + f"10DASH-1{GS}21D0003")]

    # A 422 lands next to the field it names, and goes away once the field is edited.
    await page.fill("#f-gtins", "09506000134353")
    await page.click("#submit-export")
    gtin_error = page.locator('.field[data-field="filters.gtins"] .field-error')
    await expect(gtin_error).to_contain_text("check digit")
    await expect(page.locator("#f-gtins")).to_have_attribute("aria-invalid", "true")
    await page.fill("#f-gtins", "")
    await expect(gtin_error).to_have_count(0)

    # Submit, then watch the progress bar rise to 100 %.
    await page.click("#submit-export")
    row = job_row(page)
    await expect(row).to_have_count(1)
    progress = row.locator("progress")
    seen: list[float] = []
    async with asyncio.timeout(90):
        while not seen or seen[-1] < 100:
            seen.append(await progress.evaluate("p => p.value"))
            assert seen == sorted(seen), f"progress went down: {seen}"
            await asyncio.sleep(0.05)
    await expect(row.locator(".badge")).to_have_text("completed")
    await expect(row.locator(".progress-text")).to_contain_text("100% · 12 / 12")
    job_id = await row.get_attribute("data-job-id")
    assert job_id is not None

    # Download through the signed link: the browser saves the ZIP the job made.
    download_link = row.locator("a.download")
    await expect(download_link).to_be_visible()
    async with page.expect_download() as pending:
        await download_link.click()
    download = await pending.value
    assert download.suggested_filename == f"datamatrix-serials-{job_id[:4]}-12.zip"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert len(names) == 12 + 1 and "manifest.csv" in names
        decoded = sorted(decode_png(archive.read(n))[0][1][-5:] for n in names if n.endswith(".png"))
    assert decoded == serial_numbers

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
    await watch.check(page, tenant.api_key)
    await page.context.close()


async def test_dashboard_cancels_a_running_job(
    api: Api, api_url: str, tenant: Tenant, render_replicas: Any, browser: Browser
) -> None:
    from playwright.async_api import expect

    product = await api.product(GTIN)
    lot = (await api.lots(product["id"], [{"lot_number": "BIG"}]))["ids"][0]
    created = await api.post("/products/api/v1/serials/bulk/", {"lot_id": lot, "generate": {"count": 40_000}})
    assert created.status == 201

    page, watch = await open_dashboard(browser, api_url, tenant.api_key)
    await page.fill("#f-lot_ids", lot)
    await page.click("#submit-export")
    row = job_row(page)
    cancel = row.locator("button.cancel")
    await expect(cancel).to_be_visible()  # pending or processing: 40,000 labels take seconds
    await cancel.click()
    await expect(row.locator(".badge")).to_have_text("failed")
    await expect(row.locator(".job-error")).to_contain_text("cancelled")
    await expect(cancel).to_be_hidden()
    await expect(row.locator("a.download")).to_be_hidden()
    await watch.check(page, tenant.api_key)
    await page.context.close()


async def test_dashboard_draws_a_thermal_label_at_printer_dots(
    api: Api, api_url: str, tenant: Tenant, browser: Browser
) -> None:
    """thermal_labels: the form offers the printer fields, and the preview is the label drawn one
    pixel a printer dot (its size is the label's in dots) that decodes, with its ZPL beneath."""
    from playwright.async_api import expect

    page, watch = await open_dashboard(browser, api_url, tenant.api_key)
    await page.select_option("#export_type", "thermal_labels")
    assert await page.locator("#file_format option").all_inner_texts() == ["zpl"]
    assert await page.locator("#a-printer_dpi option").all_inner_texts() == [
        "default (203 dpi)",
        "203 dpi",
        "300 dpi",
        "600 dpi",
    ]
    assert await page.locator("#a-symbol option").all_inner_texts() == [
        "default (datamatrix)",
        "datamatrix",
        "qr",
        "gs1_128",
    ]
    await page.select_option("#a-printer_dpi", "600")
    await page.click("#refresh-preview")
    assert await shown_preview(page) == [("]d2", SAMPLE_ELEMENT_STRING)]
    image = page.locator("#preview-output img.preview-thermal")
    # 50.8 x 25.4 mm at 600 dpi: 1200 x 600 dots.
    assert await image.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [1200, 600]
    await expect(page.locator("#preview-output pre.preview-zpl")).to_contain_text("dots=12 dpi=600")

    # A 4 x 2 in label with a graphic QR: drawn again, 2400 x 1200 dots, the Digital Link.
    await page.select_option("#a-label_preset", label="4 x 2 in — 101.6 × 50.8 mm")
    await page.select_option("#a-symbol", "qr")
    await page.select_option("#a-zpl_symbols", "graphic")
    # Each change redraws (debounced): a slow machine may show an in-between label first.
    async with asyncio.timeout(60):
        while (shown := await shown_preview(page, changed=True)) != [("]Q1", SAMPLE_DIGITAL_LINK)]:
            assert shown in ([("]d2", SAMPLE_ELEMENT_STRING)], []), shown
    assert await image.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [2400, 1200]
    await page.locator("#preview-output").screenshot(path=str(SCREENSHOT.with_name("dashboard-thermal.png")))
    await watch.check(page, tenant.api_key)
    await page.context.close()
