"""Render ZPL with an independent renderer and decode every symbol with zxing-cpp.

The renderer is npm `zpl-renderer-js` (Zebrash, an open-source ZPL renderer, in WebAssembly),
run by Node (18, Debian's, or later). Like checkov it is a test-only tool the tests install once
from the npm registry beside the project's venv (`<venv>/tools/zpl-renderer-js-<version>`);
`make test` installs Node and npm (scripts/system-deps.sh). Without them the tests skip saying so.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.deploy.tools import _locked, _tools_root

RENDERER_VERSION = "3.4.0"
# The renderer's resolutions: whole dots per mm (600 dpi is 23.6, drawn as 24).
DOTS_PER_MM = {203: 8, 300: 12, 600: 24}
_SCRIPT = Path(__file__).with_name("zpl_render.mjs")


def renderer_dir() -> Path:
    """The folder holding node_modules/zpl-renderer-js (installed on first use)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node/npm not on PATH: the ZPL scan tests need Node 18+ (scripts/system-deps.sh test)")
    home = _tools_root() / f"zpl-renderer-js-{RENDERER_VERSION}"
    complete = home / ".complete"
    with _locked(home.with_name(home.name + ".lock")):
        if not complete.exists():
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            done = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", f"zpl-renderer-js@{RENDERER_VERSION}"],
                cwd=home,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode != 0:
                pytest.skip(f"npm install zpl-renderer-js failed: {done.stderr[-500:]}")
            complete.write_text("ok")
        # The package's ES build under a name every Node version loads as a module (zpl_render.mjs).
        module = home / "zpl-renderer-js.mjs"
        if not module.exists():
            shutil.copyfile(home / "node_modules" / "zpl-renderer-js" / "dist" / "index.esm.js", module)
    return home


@dataclass(frozen=True)
class Decoded:
    symbology_id: str
    text: str  # zxing-cpp's text: GS1 data in HRI form, e.g. (01)...(10)LOT


def render_zpl(zpl: str, *, width_mm: float, height_mm: float, dpi: int, tmp: Path) -> list[Image.Image]:
    """Every label of `zpl` as the independent renderer draws it at `dpi` (greyscale, 1 px a dot)."""
    home = renderer_dir()
    source = tmp / "doc.zpl"
    source.write_text(zpl, encoding="ascii")
    out = tmp / "png"
    out.mkdir()
    # Beside the package (ESM resolves imports from the script's folder), named by its content:
    # checkouts with another version of the script share the tool folder without a race.
    code = _SCRIPT.read_bytes()
    script = home / f"zpl_render-{hashlib.sha256(code).hexdigest()[:12]}.mjs"
    if not script.exists():
        partial = script.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(code)
        partial.replace(script)
    dpmm = DOTS_PER_MM[dpi]
    done = subprocess.run(
        ["node", str(script), str(source), str(width_mm), str(height_mm), str(dpmm), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [Image.open(png).convert("L") for png in sorted(out.glob("*.png"))]


def render_and_decode(
    zpl: str, *, width_mm: float, height_mm: float, dpi: int, tmp: Path
) -> list[list[Decoded]]:
    """Every label of `zpl` rendered at `dpi`, and the symbols zxing-cpp reads on each."""
    images = render_zpl(zpl, width_mm=width_mm, height_mm=height_mm, dpi=dpi, tmp=tmp)
    return [
        [Decoded(r.symbology_identifier, r.text) for r in zxingcpp.read_barcodes(image)] for image in images
    ]
