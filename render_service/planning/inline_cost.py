"""How many CPU-seconds a job will take to render, estimated before any item is read, so the
planner renders inline only what it can finish in a few seconds (unblocked planning for every
organization: an expensive small job goes through the chunk path instead of holding the planner).

The estimate is items × files per item × (a fixed cost per file + the file's pixels / a pixel
rate), with the largest raster the spec can draw (labelkit.rendering.raster_size). Both rates are
conservative readings of this machine's render bench (see docs/reliability.md):
  DataMatrix PNG at the defaults        10,300 items/CPU-s  (46,656 px)
  QR PNG, 1,200 dpi, 1 mm modules        1,000 items/CPU-s  (7.2 Mpx, 7.3 Gpx/s)
  codes_combined PNG, 50 px per module      53 items/CPU-s  (117.9 Mpx in 2 files, 6.3 Gpx/s)
"""

from __future__ import annotations

from labelkit.export_spec import ExportSpec
from labelkit.gs1 import DEFAULT_DIGITAL_LINK_BASE
from labelkit.rendering.raster_size import RasterKnobs, largest_rasters

# CPU-seconds per output file whatever its size: encoding, layout, headers (vector formats too).
SECONDS_PER_FILE = 1.5e-4
# Raster pixels written per CPU-second once a symbol is large (measured 6-10 Gpx/s: kept lower).
PIXELS_PER_SECOND = 4e9


def estimated_seconds(spec: ExportSpec, *, items: int) -> float:
    """CPU-seconds to render `items` labels of `spec`, an upper estimate."""
    per_item = sum(SECONDS_PER_FILE + pixels / PIXELS_PER_SECOND for pixels in _file_pixels(spec))
    return items * per_item


def _file_pixels(spec: ExportSpec) -> list[int]:
    """The raster pixels of each file one label makes (0 for a vector file)."""
    if spec.file_format != "png":
        return [0] * (2 if spec.export_type == "codes_combined" else 1)
    cfg = spec.asset_config
    knobs = RasterKnobs(
        dpi=cfg.dpi or 300,
        module_mm=cfg.module_mm,
        quiet_zone_modules=cfg.quiet_zone_modules,
        barcode_type=cfg.barcode_type or "auto",
        datamatrix_content=cfg.datamatrix_content or "gs1",
        digital_link_base=cfg.digital_link_base or DEFAULT_DIGITAL_LINK_BASE,
    )
    return [
        size.pixels for size in largest_rasters(export_type=spec.export_type, scope=spec.scope, knobs=knobs)
    ]
