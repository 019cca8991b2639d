"""Rendering throughput on one core: items per CPU-second for each export type and format.

Run from the repository root:  .venv/bin/python bench/render_bench.py  (see bench/README.md)

Each case renders the same batch of realistic label items again and again until it has used
`--seconds` of CPU time, and reports items per CPU-second (process time, so other load on the
machine does not count). The process is pinned to one CPU. Besides our pipelines it measures
the encode-only ceilings and the "obvious" pipelines they replace (pylibdmtx.encode + Pillow;
segno / qrcode when installed), then checks its targets (bench/README.md, Targets).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labelkit.gs1 import bracketed, digital_link_uri, element_string  # noqa: E402
from labelkit.rendering.batch import RenderSpec, label_data, render_batch  # noqa: E402
from labelkit.rendering.formats.png import encode_png, pixels_per_module  # noqa: E402
from labelkit.rendering.formats.svg import linear_svg, matrix_svg  # noqa: E402
from labelkit.rendering.model import LabelItem  # noqa: E402
from labelkit.rendering.printer import PrinterLabel, PrinterSetup  # noqa: E402
from labelkit.rendering.printer.zpl import ZplWriter  # noqa: E402
from labelkit.rendering.symbols.datamatrix import encode_datamatrix  # noqa: E402
from labelkit.rendering.symbols.linear import encode_linear  # noqa: E402
from labelkit.rendering.symbols.qr import encode_qr  # noqa: E402
from labelkit.rendering.zip.writer import ZipStreamWriter  # noqa: E402

Batch = Callable[[Sequence[LabelItem]], object]


@dataclass
class Result:
    name: str
    group: str  # "ours", "ceiling" (encode only), "baseline" (obvious pipeline), "zint"
    items_per_cpu_second: float
    note: str = ""

    @property
    def us_per_item(self) -> float:
        return 1e6 / self.items_per_cpu_second


def make_items(n: int, *, lot_digits: int = 5, serial_digits: int = 9) -> list[LabelItem]:
    """GTIN with two leading zeros so EAN-13, UPC-A and ITF-14 all apply; serial-level data with
    expiry. The defaults are the longest, most common label: 48 GS1-128 data characters (GS1's
    limit for one symbol: 16 + 8 + 10 + FNC1 + 13); 17 and 18 digits make the longest labels
    the catalog allows (20-character lot and serial, 69 characters: two GS1-128 symbols)."""
    return [
        LabelItem(
            entity_id=f"ent{i:07d}",
            gtin="00036000291452",
            lot=f"LOT{i // 1000:0{lot_digits}d}",
            expiry=dt.date(2027, 6, 30),
            serial=f"SN{i:0{serial_digits}d}",
        )
        for i in range(n)
    ]


def long_data_case(file_format: str, n: int) -> Batch:
    spec = RenderSpec.from_job("barcodes_1d", file_format, {"gs1_128_overflow": "split"})
    long_items = make_items(n, lot_digits=17, serial_digits=18)
    return lambda items: render_batch(long_items[: len(items)], spec)


def zint_gs1_128_svg(items: Sequence[LabelItem]) -> None:
    """zint (zint-bindings, bench-only) doing what our GS1-128 SVG does: GS1 validation, encode,
    an SVG in memory with its HRI text."""
    import zint

    for it in items:
        symbol = zint.Symbol()
        symbol.symbology = zint.Symbology.GS1_128
        symbol.input_mode = zint.InputMode.GS1
        symbol.outfile = "label.svg"
        symbol.output_options = zint.OutputOptions.BARCODE_MEMORY_FILE
        symbol.encode(bracketed(label_data(it)))
        symbol.print()
        bytes(symbol.memfile)


def measure(fn: Batch, items: Sequence[LabelItem], seconds: float) -> float:
    fn(items[:5])  # warm-up: imports, caches
    done = 0
    start = time.process_time()
    while True:
        fn(items)
        done += len(items)
        used = time.process_time() - start
        if used >= seconds:
            return done / used


def spec_case(export_type: str, file_format: str, **config: object) -> Batch:
    spec = RenderSpec.from_job(export_type, file_format, config)
    return lambda items: render_batch(items, spec)


def zip_case() -> Batch:
    spec = RenderSpec.from_job("datamatrix", "png", {})
    stamp = dt.datetime(2026, 11, 28, 10, 15)

    def run(items: Sequence[LabelItem]) -> None:
        writer = ZipStreamWriter(lambda b: None, timestamp=stamp)
        for label in render_batch(items, spec):
            for f in label.files:
                writer.add(f.name, f.data, compress=f.compress)
        writer.finish()

    return run


def ceiling_datamatrix(items: Sequence[LabelItem]) -> None:
    for it in items:
        encode_datamatrix(element_string(label_data(it)), gs1=True)


def ceiling_qr(items: Sequence[LabelItem]) -> None:
    for it in items:
        encode_qr(digital_link_uri(label_data(it)))


def ceiling_gs1_128(items: Sequence[LabelItem]) -> None:
    for it in items:
        encode_linear("auto", label_data(it))


def zpl_case(symbol: str, mode: str) -> Batch:
    """ZPL blocks for the default 50.8 x 25.4 mm label at 203 dpi, GS1 validation included."""
    writer = ZplWriter(
        PrinterSetup(
            dpi=203,
            label_width_mm=50.8,
            label_height_mm=25.4,
            symbol=symbol,  # type: ignore[arg-type]
            module_mm=0.33 if symbol == "gs1_128" else 0.5,
            quiet_zone_modules=2,
            human_readable=True,
            digital_link_base="https://id.gs1.org",
            symbols=mode,  # type: ignore[arg-type]
        )
    )
    return lambda its: [writer.block(PrinterLabel(it.entity_id, label_data(it))) for it in its]


def writer_only_cases(items: Sequence[LabelItem]) -> dict[str, Batch]:
    data = label_data(items[0])
    dm = encode_datamatrix(element_string(data), gs1=True)
    qr = encode_qr(digital_link_uri(data))
    lin = encode_linear("auto", data)
    scale = pixels_per_module(0.5, 300)
    return {
        "write only: DataMatrix PNG": lambda its: [
            encode_png(dm, scale=scale, quiet_x=2, quiet_y=2, dpi=300) for _ in its
        ],
        "write only: DataMatrix SVG": lambda its: [matrix_svg(dm, module_mm=0.5, quiet=2) for _ in its],
        "write only: QR PNG": lambda its: [
            encode_png(qr, scale=scale, quiet_x=4, quiet_y=4, dpi=300) for _ in its
        ],
        "write only: GS1-128 SVG": lambda its: [
            linear_svg(lin, module_mm=0.33, quiet=10, human_readable=True) for _ in its
        ],
    }


def baseline_pylibdmtx_pillow(items: Sequence[LabelItem]) -> None:
    """The obvious pipeline, giving the same image as ours: pylibdmtx draws 5 px per module with a
    10 px (2-module) margin in RGB; Pillow scales to 6 px per module (0.5 mm at 300 dpi), makes
    it 1-bit and writes the PNG with its DPI."""
    from PIL import Image
    from pylibdmtx.pylibdmtx import encode

    for it in items:
        enc = encode(element_string(label_data(it)).encode("latin-1"))
        image = Image.frombytes("RGB", (enc.width, enc.height), enc.pixels)
        image = image.resize((enc.width * 6 // 5, enc.height * 6 // 5), Image.Resampling.NEAREST)
        image.convert("1").save(io.BytesIO(), format="PNG", dpi=(300, 300))


def baseline_pylibdmtx_pillow_raw(items: Sequence[LabelItem]) -> None:
    """The same without scaling or 1-bit conversion: smaller than spec, RGB, for reference."""
    from PIL import Image
    from pylibdmtx.pylibdmtx import encode

    for it in items:
        enc = encode(element_string(label_data(it)).encode("latin-1"))
        image = Image.frombytes("RGB", (enc.width, enc.height), enc.pixels)
        image.save(io.BytesIO(), format="PNG", dpi=(300, 300))


def baseline_segno(items: Sequence[LabelItem]) -> None:
    import segno

    for it in items:
        qr = segno.make(digital_link_uri(label_data(it)), error="m", micro=False)
        qr.save(io.BytesIO(), kind="png", scale=6, border=4, dpi=300)


def baseline_qrcode(items: Sequence[LabelItem]) -> None:
    import qrcode

    for it in items:
        image = qrcode.make(digital_link_uri(label_data(it)), box_size=6, border=4)
        image.save(io.BytesIO(), format="PNG")


def optional(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200, help="items per batch (default 200)")
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per case (default 2)")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: first allowed)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="JSON output folder")
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    items = make_items(args.items)

    cases: list[tuple[str, str, Batch, str]] = [
        ("datamatrix png", "ours", spec_case("datamatrix", "png"), "render_batch, GS1 content"),
        ("datamatrix png + zip", "ours", zip_case(), "render_batch + ZipStreamWriter (stored)"),
        ("datamatrix svg", "ours", spec_case("datamatrix", "svg"), "with HRI text"),
        ("qr_codes png", "ours", spec_case("qr_codes", "png"), "Digital Link, EC M"),
        ("qr_codes svg", "ours", spec_case("qr_codes", "svg"), "with HRI text"),
        ("barcodes_1d svg gs1-128", "ours", spec_case("barcodes_1d", "svg"), "barcode_type auto"),
        ("barcodes_1d eps gs1-128", "ours", spec_case("barcodes_1d", "eps"), "barcode_type auto"),
        ("barcodes_1d svg gs1-128 long data", "ours", long_data_case("svg", args.items), "2 symbols"),
        ("barcodes_1d eps gs1-128 long data", "ours", long_data_case("eps", args.items), "2 symbols"),
        ("barcodes_1d svg ean13", "ours", spec_case("barcodes_1d", "svg", barcode_type="ean13"), ""),
        ("barcodes_1d svg itf14", "ours", spec_case("barcodes_1d", "svg", barcode_type="itf14"), ""),
        ("codes_combined svg", "ours", spec_case("codes_combined", "svg"), "2 files per item"),
        ("codes_combined png", "ours", spec_case("codes_combined", "png"), "2 files per item"),
        ("zpl native datamatrix", "ours", zpl_case("datamatrix", "native"), "the printer encodes"),
        ("zpl native gs1-128", "ours", zpl_case("gs1_128", "native"), "the printer encodes"),
        ("zpl graphic datamatrix", "ours", zpl_case("datamatrix", "graphic"), "^GF Z64 bitmap"),
        ("zpl graphic qr", "ours", zpl_case("qr", "graphic"), "^GF Z64 bitmap"),
        ("encode only: DataMatrix (libdmtx)", "ceiling", ceiling_datamatrix, "incl. GS1 validation"),
        ("encode only: QR (zxing-cpp)", "ceiling", ceiling_qr, "incl. GS1 validation"),
        ("encode only: GS1-128 (own Code 128)", "ceiling", ceiling_gs1_128, "incl. GS1 validation"),
    ]
    cases += [(name, "ceiling", fn, "fixed symbol") for name, fn in writer_only_cases(items).items()]
    cases.append(
        (
            "pylibdmtx.encode + Pillow PNG",
            "baseline",
            baseline_pylibdmtx_pillow,
            "same output as ours (no FNC1)",
        )
    )
    cases.append(
        ("pylibdmtx.encode + Pillow PNG, raw", "baseline", baseline_pylibdmtx_pillow_raw, "5 px/module RGB")
    )
    if optional("zint"):
        cases.append(("zint gs1-128 svg", "zint", zint_gs1_128_svg, "zint-bindings: encode + SVG"))
    if optional("segno"):
        cases.append(("segno QR PNG", "baseline", baseline_segno, "pure-Python QR"))
    if optional("qrcode"):
        cases.append(("qrcode QR PNG (Pillow)", "baseline", baseline_qrcode, "pure-Python QR"))

    results: list[Result] = []
    print(f"{'case':42} {'group':9} {'items/CPU-s':>12} {'us/item':>9}  note")
    for name, group, fn, note in cases:
        if args.only and args.only not in name:
            continue
        baseline = group == "baseline"
        # Slow baselines: fewer items per round, same CPU budget.
        rate = measure(fn, items[: max(5, len(items) // 10)] if baseline else items, args.seconds)
        result = Result(name, group, rate, note)
        results.append(result)
        print(f"{name:42} {group:9} {rate:12,.0f} {result.us_per_item:9.1f}  {note}", flush=True)

    by_name = {r.name: r.items_per_cpu_second for r in results}
    checks = []

    def target(label: str, value: float | None, goal: float) -> None:
        if value is not None:
            checks.append({"target": label, "value": round(value, 2), "goal": goal, "met": value >= goal})

    dm = by_name.get("datamatrix png")
    obvious = by_name.get("pylibdmtx.encode + Pillow PNG")
    target("DataMatrix PNG items/CPU-s", dm, 4000)
    target("DataMatrix PNG vs obvious pipeline (x)", dm / obvious if dm and obvious else None, 8)
    target("QR PNG items/CPU-s", by_name.get("qr_codes png"), 1500)
    gs1_128_svg, zint_svg = by_name.get("barcodes_1d svg gs1-128"), by_name.get("zint gs1-128 svg")
    target("GS1-128 SVG items/CPU-s", gs1_128_svg, 12_000)
    vs_zint = gs1_128_svg / zint_svg if gs1_128_svg and zint_svg else None
    target("GS1-128 SVG vs zint's, same run (x)", vs_zint, 1)
    target("ZPL native labels/CPU-s", by_name.get("zpl native datamatrix"), 50_000)
    target("ZPL graphic labels/CPU-s", by_name.get("zpl graphic datamatrix"), 5_000)
    print()
    for c in checks:
        print(f"{'MET ' if c['met'] else 'MISS'}  {c['target']}: {c['value']:,} (goal {c['goal']:,})")

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"render-{stamp}.json"
    payload = {
        "when": stamp,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "items_per_batch": args.items,
        "cpu_seconds_per_case": args.seconds,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": _cpu_model(),
            "cpus": os.cpu_count(),
        },
        "results": [
            {
                "name": r.name,
                "group": r.group,
                "items_per_cpu_second": round(r.items_per_cpu_second, 1),
                "us_per_item": round(r.us_per_item, 2),
                "note": r.note,
            }
            for r in results
        ],
        "targets": checks,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0 if all(c["met"] for c in checks) else 1


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    raise SystemExit(main())
