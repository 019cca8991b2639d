"""The export dashboard at `/labels/`: one static HTML page, its CSS and JavaScript, and the form's
options. No build step, nothing from a CDN, no inline script (the page runs under a strict CSP).

The page talks to the API with the caller's key, which it keeps in `sessionStorage`; none of these
routes need a key (they are outside `/products/api/v1/`) and none of them sees one.
"""

from __future__ import annotations

import hashlib
import logging
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from api_service.http.json_io import dumps
from labelkit.export_spec import ALLOWED_FORMATS, EXPORTABLE_SCOPES, AssetConfig
from labelkit.gs1 import DEFAULT_DIGITAL_LINK_BASE
from labelkit.limits import MAX_FILTER_IDS
from labelkit.rendering.printer import DPI_CHOICES
from labelkit.rendering.raster_size import DEFAULT_MODULE_MM, DEFAULT_QUIET_ZONE
from labelkit.sheets.templates import BUILTIN_TEMPLATES, DEFAULT_TEMPLATE_NAME
from labelkit.thermal_spec import DEFAULT_LABEL_MM, LABEL_PRESETS_MM, LabelSize
from labelkit.thermal_spec import DEFAULT_MODULE_MM as THERMAL_MODULE_MM
from labelkit.thermal_spec import DEFAULT_QUIET_ZONE as THERMAL_QUIET_ZONE

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

DASHBOARD_PATH = "/labels/"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# Everything the page loads comes from us; the API is same-origin, so `connect-src 'self'`. Labels
# are shown from blob: URLs (img for PNG/SVG, a frame for the sheet PDF). Downloads are plain
# links to the signed S3 URL: navigation, which no fetch directive governs. Trusted Types with no
# policy: the scripts build the page with DOM calls, never from HTML strings.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "frame-src blob:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ]
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # The page's URL carries nothing secret, but an S3 link or the API has no use for it either.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Files change with a deploy: always revalidate (cheap: ETag → 304).
    "Cache-Control": "no-cache",
}
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


@cache
def _assets() -> dict[str, Asset]:
    """Every servable file by name, read once. A fixed allow-list: no request path ever reaches
    the filesystem, so there is nothing to traverse."""
    assets: dict[str, Asset] = {}
    if not STATIC_DIR.is_dir():
        # E.g. a wheel built without the package data: say so once, answer 404.
        log.warning("dashboard files not found in %s", STATIC_DIR)
        return assets
    # Read once, on first use; a handful of small files, so the blocking read is negligible.
    for path in sorted(STATIC_DIR.iterdir()):
        content_type = _CONTENT_TYPES.get(path.suffix)
        if content_type is None or not path.is_file():
            continue
        body = path.read_bytes()
        assets[path.name] = Asset(body, content_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
    return assets


def _serve(request: web.Request, asset: Asset) -> web.Response:
    headers = {**_SECURITY_HEADERS, "ETag": asset.etag}
    if asset.etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        return web.Response(status=304, headers=headers)
    return web.Response(body=asset.body, headers={**headers, "Content-Type": asset.content_type})


@routes.get("/labels")
async def dashboard_redirect(request: web.Request) -> web.Response:
    # Relative asset links in the page need the trailing slash.
    raise web.HTTPPermanentRedirect(DASHBOARD_PATH)


@routes.get(DASHBOARD_PATH)
async def dashboard(request: web.Request) -> web.Response:
    page = _assets().get("index.html")
    if page is None:
        raise web.HTTPNotFound()
    return _serve(request, page)


@routes.get(DASHBOARD_PATH + "assets/{name}")
async def dashboard_asset(request: web.Request) -> web.Response:
    asset = _assets().get(request.match_info["name"])
    if asset is None or request.match_info["name"] == "index.html":
        raise web.HTTPNotFound()
    return _serve(request, asset)


@routes.get(DASHBOARD_PATH + "options.json")
async def dashboard_options(request: web.Request) -> web.Response:
    return web.Response(
        body=dumps(form_options()),
        content_type="application/json",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@cache
def form_options() -> dict[str, Any]:
    """What the form offers, taken from the rules the API validates with, so they cannot drift:
    the allowed type/format pairs (docs/contract.md#export-types-and-formats), the asset_config choices,
    ranges and defaults (#rendering-options)."""
    fields = AssetConfig.model_fields
    return {
        "scopes": sorted(EXPORTABLE_SCOPES),
        "export_types": list(ALLOWED_FORMATS),
        "allowed_formats": {kind: sorted(formats) for kind, formats in ALLOWED_FORMATS.items()},
        "max_filter_ids": MAX_FILTER_IDS,
        "sheet_templates": [
            {
                "name": name,
                "columns": BUILTIN_TEMPLATES[name].columns,
                "rows": BUILTIN_TEMPLATES[name].rows,
                "label_width_mm": round(BUILTIN_TEMPLATES[name].label_width_mm, 2),
                "label_height_mm": round(BUILTIN_TEMPLATES[name].label_height_mm, 2),
            }
            for name in _choices(fields["sheet_template"].annotation)
        ],
        "default_sheet_template": DEFAULT_TEMPLATE_NAME,
        "choices": {
            name: _choices(fields[name].annotation)
            for name in ("barcode_type", "datamatrix_content", "symbol")
        },
        "ranges": {
            name: _bounds(fields[name].metadata) for name in ("dpi", "module_mm", "quiet_zone_modules")
        },
        "defaults": {
            "dpi": 300,
            "module_mm": DEFAULT_MODULE_MM,
            "quiet_zone_modules": DEFAULT_QUIET_ZONE,
            "digital_link_base": DEFAULT_DIGITAL_LINK_BASE,
        },
        "thermal": _thermal_options(fields),
    }


def _thermal_options(fields: dict[str, Any]) -> dict[str, Any]:
    """The thermal_labels fields: printer resolutions, label presets, symbols and their defaults."""
    symbols = _choices(fields["symbol"].annotation)
    return {
        "printer_dpi": list(DPI_CHOICES),
        "default_printer_dpi": DPI_CHOICES[0],
        "label_presets": [{"name": n, "width": w, "height": h} for n, w, h in LABEL_PRESETS_MM],
        "default_label_mm": {"width": DEFAULT_LABEL_MM[0], "height": DEFAULT_LABEL_MM[1]},
        "label_size_mm": {k: _bounds(LabelSize.model_fields[k].metadata) for k in ("width", "height")},
        "zpl_symbols": _choices(fields["zpl_symbols"].annotation),
        # GS1-128 is a thermal symbol only (export_spec.coherence_errors); sheets take the others.
        "symbols": {"thermal_labels": symbols, "sheet_pdf": [s for s in symbols if s != "gs1_128"]},
        "module_mm": THERMAL_MODULE_MM,
        "quiet_zone_modules": THERMAL_QUIET_ZONE,
    }


def _choices(annotation: Any) -> list[str]:
    """The string literals of a field's type, e.g. `Literal["gs1", "digital_link"] | None`."""
    if typing.get_origin(annotation) is typing.Literal:
        return [value for value in typing.get_args(annotation) if isinstance(value, str)]
    return [value for member in typing.get_args(annotation) for value in _choices(member)]


def _bounds(metadata: list[Any]) -> dict[str, float]:
    """`ge`/`le` of a pydantic field (annotated_types Ge/Le objects) as min/max."""
    out: dict[str, float] = {}
    for item in metadata:
        if hasattr(item, "ge"):
            out["min"] = item.ge
        if hasattr(item, "le"):
            out["max"] = item.le
    return out
