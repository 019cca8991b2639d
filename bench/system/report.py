"""The results table on stdout and the JSON file in the results directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["measure"]) for r in rows) + 2
    print()
    print(f"{'measure':<{width}} {'value':>12} {'unit':<6} {'target':<9} {'verdict':<7} note")
    print("-" * (width + 60))
    for r in rows:
        value = r["value"]
        text = "-" if value is None else (f"{value:,.2f}" if isinstance(value, float) else f"{value:,}")
        print(
            f"{r['measure']:<{width}} {text:>12} {r['unit']:<6} {r['target']:<9} {r['verdict']:<7} "
            f"{r['note']}"
        )


def write_json(payload: dict[str, Any], out_dir: Path, stamp: str) -> Path:
    """Write `system-<stamp>.json` into `out_dir` (created if missing); returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"system-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path
