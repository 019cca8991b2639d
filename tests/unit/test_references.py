"""Everything the code and docs cite is in this repository: no pointer to documents outside it
(a path up into the folder beside the checkout, "SPEC §…", "DESIGN §…", invariants by number),
and every `docs/<page>.md#anchor` names a heading that exists (invariants are cited by name,
defined in docs/invariants.md)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the repository's own text lives in (the venv, caches and test output are not ours).
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".sql",
    ".json",
    ".yaml",
    ".yml",
    ".env",
    ".toml",
    ".js",
    ".html",
    ".css",
    ".mjs",
}
TOP_LEVEL = ["api_service", "render_service", "shared", "labelkit", "label_client", "devtools", "docs"]
TOP_LEVEL += ["tests", "bench", "deploy", "schemas", "scripts"]
ROOT_FILES = ["README.md", "Dockerfile", "Makefile", "pyproject.toml", ".dockerignore"]

# SPEC / DESIGN in capitals: the documents that lived outside (docs/design.md is ours).
OUTSIDE = re.compile(r"\.\./shared/|\b(SPEC|DESIGN)(\s*§|\.md\b)|\b(?i:invariants?)\s+#?\d+")
ANCHOR = re.compile(
    r"\b(api|architecture|contract|design|events|invariants|printing|reliability|security)\.md#([a-z0-9-]+)"
)
THIS_FILE = Path(__file__).resolve()


def texts() -> list[Path]:
    files = [ROOT / name for name in ROOT_FILES if (ROOT / name).exists()]
    for top in TOP_LEVEL:
        files += [
            p
            for p in sorted((ROOT / top).rglob("*"))
            if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts
        ]
    return [p for p in files if p.resolve() != THIS_FILE]


def slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: str) -> set[str]:
    lines = (ROOT / "docs" / f"{page}.md").read_text().splitlines()
    return {slug(line.lstrip("#")) for line in lines if line.startswith("#")}


def test_nothing_points_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {match.group(0)}"
        for path in texts()
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        for match in OUTSIDE.finditer(line)
    ]
    assert found == []


def test_every_cited_section_of_the_docs_exists() -> None:
    pages: dict[str, set[str]] = {}
    broken = []
    for path in texts():
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            for page, anchor in ANCHOR.findall(line):
                known = pages.setdefault(page, anchors(page))
                if anchor not in known:
                    broken.append(f"{path.relative_to(ROOT)}:{n}: {page}.md#{anchor}")
    assert broken == []


def test_the_checks_would_see_a_stray_reference() -> None:
    assert OUTSIDE.search("-- The snapshot (invariant 4): what each label encodes")
    assert OUTSIDE.search("see SPEC §4.2") and OUTSIDE.search("[spec](" + "../" + "shared/SPEC.md)")
    assert not OUTSIDE.search("GS1 General Specs §7.12")
    assert slug("Bad input stays local") == "bad-input-stays-local"
    assert slug("Delivery: what a reader must expect") == "delivery-what-a-reader-must-expect"
