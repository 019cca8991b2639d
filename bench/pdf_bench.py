"""Sheet-PDF throughput: the streaming sheet writer against the obvious reportlab pipelines.

    .venv/bin/python bench/pdf_bench.py [--labels 20000] [--reportlab-labels 10000]
                                        [--template 63up_1in_letter] [--module-mm 0.5]

Each case runs in a fresh child process (one core, no pool) so its peak RSS is its own. Cases:

- `sheet-writer`: this package's writer, symbols and HRI lines computed beforehand
  (what the writer itself costs).
- `sheet-end-to-end`: the same plus GS1 validation, element string, libdmtx encoding and HRI
  lines per label (what a render worker does per label).
- `reportlab-image`: reportlab canvas, one image per symbol (PIL, one pixel per module, scaled by
  drawImage) plus drawString per HRI line; `-end-to-end` encodes per label like the sheet case.
- `reportlab-runs`: reportlab canvas, one filled rectangle per horizontal run of dark modules.

The reportlab cases use the same symbols and this package's placement, so only the PDF
production differs. Every label is distinct (reportlab would otherwise share identical images).
Prints a table; writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labelkit.gs1 import GS1Data, element_string, hri_lines  # noqa: E402
from labelkit.rendering.model import BitMatrix, LabelItem  # noqa: E402
from labelkit.rendering.pdf import (  # noqa: E402
    BUILTIN_TEMPLATES,
    SheetStyle,
    render_sheet_pdf,
)
from labelkit.rendering.symbols.datamatrix import encode_datamatrix  # noqa: E402
from labelkit.sheets import helvetica  # noqa: E402
from labelkit.sheets.layout import CellLayout  # noqa: E402
from labelkit.sheets.templates import PT_PER_MM, SheetTemplate  # noqa: E402

CASES = (
    "sheet-writer",
    "sheet-end-to-end",
    "reportlab-image",
    "reportlab-image-end-to-end",
    "reportlab-runs",
)
QUIET_ZONE = 2


class CountingSink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.size += len(data)
        return len(data)


def make_items(count: int) -> Iterator[LabelItem]:
    """Distinct labels, made lazily as a job snapshot would be streamed."""
    for i in range(count):
        yield LabelItem(
            str(i), "09506000134352", f"LOT{i % 997:04d}", dt.date(2027, 1 + i % 12, 28), f"SN{i:010d}"
        )


def gs1(item: LabelItem) -> GS1Data:
    return GS1Data.create(gtin=item.gtin, lot=item.lot, serial=item.serial, expiry=item.expiry)


def encode(item: LabelItem) -> BitMatrix:
    return encode_datamatrix(element_string(gs1(item)), gs1=True)


def run_case(case: str, labels: int, template: SheetTemplate, module_mm: float) -> dict[str, Any]:
    style = SheetStyle(module_mm=module_mm, quiet_zone_modules=QUIET_ZONE)
    symbol_for: Callable[[LabelItem], BitMatrix]
    lines_for: Callable[[LabelItem], Sequence[str]]
    if case.endswith("end-to-end"):
        symbol_for, lines_for = encode, lambda item: hri_lines(gs1(item))
    else:
        # Every symbol distinct (reportlab would share identical images), held in memory: peak
        # RSS of these cases includes that cache; the end-to-end cases show the bare footprint.
        matrices = [encode(item) for item in make_items(labels)]
        texts = [hri_lines(gs1(item)) for item in make_items(labels)]
        symbol_for = lambda item: matrices[int(item.entity_id)]  # noqa: E731
        lines_for = lambda item: texts[int(item.entity_id)]  # noqa: E731
    items = make_items(labels)
    sink = CountingSink()
    started = time.perf_counter()
    if case.startswith("sheet-"):
        render_sheet_pdf(items, template, symbol_for, lines_for, sink=sink, style=style)
        size = sink.size
    else:
        size = _reportlab(items, template, style, symbol_for, lines_for, runs=case == "reportlab-runs")
    seconds = time.perf_counter() - started
    return {
        "case": case,
        "labels": labels,
        "seconds": round(seconds, 3),
        "labels_per_s": round(labels / seconds),
        "bytes_per_label": round(size / labels, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _reportlab(
    items: Iterable[LabelItem],
    template: SheetTemplate,
    style: SheetStyle,
    symbol_for: Callable[[LabelItem], BitMatrix],
    lines_for: Callable[[LabelItem], Sequence[str]],
    *,
    runs: bool,
) -> int:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=template.page_size_pt, pageCompression=1)
    cells = CellLayout(template, style.layout)
    module = style.module_mm * PT_PER_MM
    quiet = QUIET_ZONE * module
    per_page = template.labels_per_page
    to_grey = bytes.maketrans(b"\x00\x01", b"\xff\x00")
    for index, item in enumerate(items):
        if index and index % per_page == 0:
            canvas.showPage()
        matrix = symbol_for(item)
        lines = list(lines_for(item))
        box_w, box_h = (matrix.width + 2 * QUIET_ZONE) * module, (matrix.height + 2 * QUIET_ZONE) * module
        place = cells.place(box_w, box_h, [helvetica.width_em(helvetica.encode(line)) for line in lines])
        cell_x, cell_y = template.cell_origin_pt(index % per_page)
        x, y = cell_x + place.symbol_x + quiet, cell_y + place.symbol_y + quiet
        if runs:
            for row_number, row in enumerate(matrix.rows):
                top = y + (matrix.height - 1 - row_number) * module
                start = None
                for col, dark in enumerate(row + b"\x00"):
                    if dark and start is None:
                        start = col
                    elif not dark and start is not None:
                        canvas.rect(x + start * module, top, (col - start) * module, module, stroke=0, fill=1)
                        start = None
        else:
            grey = b"".join(matrix.rows).translate(to_grey)
            image = Image.frombytes("L", (matrix.width, matrix.height), grey)
            canvas.drawImage(
                ImageReader(image.convert("1")), x, y, matrix.width * module, matrix.height * module
            )
        canvas.setFont("Helvetica", place.font_pt)
        for number, line in enumerate(lines):
            canvas.drawString(
                cell_x + place.text_x,
                cell_y + place.baseline_y - number * place.font_pt * helvetica.LEADING,
                line,
            )
    canvas.save()
    return len(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labels", type=int, default=20_000, help="labels for the sheet-writer cases")
    parser.add_argument("--reportlab-labels", type=int, default=10_000, help="labels for the reportlab cases")
    parser.add_argument("--template", default="63up_1in_letter", choices=sorted(BUILTIN_TEMPLATES))
    parser.add_argument("--module-mm", type=float, default=0.5)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    template = BUILTIN_TEMPLATES[args.template]
    if args.case:
        print(json.dumps(run_case(args.case, args.labels, template, args.module_mm)))
        return

    results = []
    for case in CASES:
        count = args.reportlab_labels if case.startswith("reportlab") else args.labels
        if case.startswith("reportlab"):
            try:
                import reportlab  # noqa: F401
            except ImportError:
                print(f"{case}: skipped (pip install reportlab to compare)")
                continue
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--case",
                case,
                "--labels",
                str(count),
                "--template",
                args.template,
                "--module-mm",
                str(args.module_mm),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))

    header = f"{'case':<27} {'labels':>8} {'seconds':>8} {'labels/s':>10} {'B/label':>8} {'peak RSS MB':>12}"
    print(
        f"template {args.template}, module {args.module_mm} mm, one core, Python {platform.python_version()}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['case']:<27} {r['labels']:>8} {r['seconds']:>8.2f} {r['labels_per_s']:>10,} "
            f"{r['bytes_per_label']:>8} {r['peak_rss_mb']:>12}"
        )
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"pdf_bench-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "template": args.template,
                "module_mm": args.module_mm,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
