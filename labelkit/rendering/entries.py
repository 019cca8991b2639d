"""Archive entry names and manifest.csv rows.

Names: `{gtin}_{lot}[_{serial}][_{kind}].{ext}`, e.g. `09506000134352_LOT42_SN0001.png`.

- Safe everywhere: only `A-Z a-z 0-9 - . _ ~` appear. Every other lot/serial character is written
  `~XX` (two upper-case hex digits of its code, e.g. `/` -> `~2F`); `_` inside a value is escaped
  too, so `_` always separates fields. A name starts with the 14 GTIN digits and ends with the
  extension, so it is never a Windows device name (CON, NUL, COM1...), never starts with `-` or
  `.`, and never ends with a dot or space. At most ~160 characters.
- Unique: the mapping is injective (`~` is not in the GS1 AI-82 set, so it never appears
  literally), and lots are unique per GTIN and serials per lot, so names never repeat.
- Unique on case-insensitive filesystems (Windows, macOS): a value holding lower-case letters
  gets a case mask `~m{hex}` (bit i set when the i-th letter is lower case). Upper-casing the
  name keeps the mask, so `lot1` (`lot1~m7`) and `LOT1` stay different files.
- No global state, so chunks rendered on different replicas can never produce the same name.

Manifest: one CSV row per file (`codes_combined` gives two rows per entity), RFC 4180 (commas,
quotes and line breaks quoted, CRLF line ends), UTF-8 without BOM. `encoded_data` is what a
scanner transmits after the symbology identifier, with each GS separator (FNC1) written as
`{GS}`: braces are outside the AI-82 set, so unlike `<GS>` the token cannot occur in real data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from labelkit.gs1 import GS

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("entity_id", "file_name", "symbology", "symbology_id", "encoded_data", "hri")
GS_TOKEN = "{GS}"

_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.")
_ESCAPE = {chr(c): chr(c) if chr(c) in _SAFE else f"~{c:02X}" for c in range(128)}


_PLAIN = re.compile(r"[A-Z0-9.-]*")


def escape_component(value: str) -> str:
    """One lot or serial as a filename-safe, injective, case-insensitively unique component."""
    if _PLAIN.fullmatch(value):
        return value  # the common case: nothing to escape, no lower case
    try:
        out = "".join([_ESCAPE[ch] for ch in value])
    except KeyError:
        # Not reachable for validated GS1 data (AI-82 is ASCII); kept injective anyway.
        out = "".join(_ESCAPE.get(ch) or f"~u{ord(ch):06X}" for ch in value)
    mask = 0
    bit = 0
    lower = False
    for ch in value:
        if ch.isascii() and ch.isalpha():
            if ch.islower():
                mask |= 1 << bit
                lower = True
            bit += 1
    return f"{out}~m{mask:x}" if lower else out


def entry_stem(gtin: str, lot: str | None, serial: str | None = None) -> str:
    """`{gtin}_{lot}[_{serial}]`, the part of every name that identifies the entity."""
    parts = [gtin]
    if lot is not None:
        parts.append(escape_component(lot))
    if serial is not None:
        parts.append(escape_component(serial))
    return "_".join(parts)


def entry_name(gtin: str, lot: str | None, serial: str | None, *, ext: str, kind: str | None = None) -> str:
    """Full entry name; `kind` (`qr`, `1d`) distinguishes the two files of `codes_combined`."""
    stem = entry_stem(gtin, lot, serial)
    return f"{stem}_{kind}.{ext}" if kind else f"{stem}.{ext}"


def visible(data: str) -> str:
    """`data` with each GS (0x1D) written as `{GS}` for the manifest."""
    return data.replace(GS, GS_TOKEN)


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """One file's manifest line. `encoded_data` already has GS made visible (see `visible`)."""

    entity_id: str
    file_name: str
    symbology: str  # e.g. "GS1 DataMatrix", "QR Code", "GS1-128", "EAN-13"
    symbology_id: str  # AIM identifier a reader reports, e.g. "]d2", "]Q1", "]C1", "]E0"
    encoded_data: str
    hri: str  # GS1 HRI of the data the symbol carries, e.g. "(01)09506000134352(10)LOT1"

    def as_tuple(self) -> tuple[str, str, str, str, str, str]:
        return (
            self.entity_id,
            self.file_name,
            self.symbology,
            self.symbology_id,
            self.encoded_data,
            self.hri,
        )


def manifest_header() -> bytes:
    """The first line of manifest.csv."""
    return manifest_csv(())


def manifest_csv(rows: Iterable[ManifestRow], *, header: bool = True) -> bytes:
    """CSV bytes of `rows` (with the header line first unless `header=False`, for later parts)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    if header:
        writer.writerow(MANIFEST_COLUMNS)
    writer.writerows(row.as_tuple() for row in rows)
    return buf.getvalue().encode("utf-8")
