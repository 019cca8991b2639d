"""The dashboard at /labels/.

HTTP checks (always run): the page and its assets are served with the right types and a strict
CSP (the preview route it calls: test_preview.py).

Browser journeys (headless Debian Chromium driven by Playwright; skipped, saying what is missing,
when either is absent): key → form → preview → submit → progress → download → the ZIP; a 422 shown
next to its field; cancelling a running job; a thermal label drawn at printer dots.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import os
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from api_service.http.dashboard import CONTENT_SECURITY_POLICY
from labelkit.export_spec import ALLOWED_FORMATS
from tests.support.api import Api, Tenant
from tests.support.preview_sample import GS, GTIN, SAMPLE_DIGITAL_LINK, SAMPLE_ELEMENT_STRING
from tests.support.readers import (
    decode_png,
)

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
