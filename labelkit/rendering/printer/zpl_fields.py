"""GS1 data spelled for Zebra's native encoders, where ZPL makes it easy to get wrong.

- `^BX` quality 200 reads escape sequences; the escape character here is `#`, which the AI-82
  set does not contain, so a lot `LOT_1X` stays `_1X` and `_5F` is never a hex escape (we never
  use `^FH` either). `#1` is FNC1: first, and after every variable-length AI that is not last.
- `^BC` (mode N) reads `>` invocation codes: start code C and FNC1 (`>;>8`), `>8` after a
  variable-length AI, `>6` to switch to subset B, and a literal `>` is `>0` (Code 128 value 30;
  `><` is value 62, which subset B prints as `^`).
"""

from __future__ import annotations

import re

from labelkit.gs1 import GS1Data, element_string
from labelkit.gs1.element_string import GS

DM_ESCAPE = "#"
_DM_FNC1 = DM_ESCAPE + "1"


def datamatrix_field(element: str) -> str:
    """`^FD` data for `^BX...,200,...,#` from the element string (FNC1 as GS): FNC1 as `#1`."""
    return element.replace(GS, _DM_FNC1)


def gs1_128_field(data: GS1Data) -> str:
    """`^FD` data for `^BC...,N` (no mode): start C + FNC1, digit pairs in C, the rest in B."""
    body = element_string(data, leading_fnc1=False)
    out = [">;>8"]
    subset_c = True
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == GS:
            out.append(">8")  # FNC1 exists in both subsets
            i += 1
            continue
        if subset_c:
            pair = body[i : i + 2]
            if len(pair) == 2 and pair.isdigit():
                out.append(pair)
                i += 2
                continue
            out.append(">6")  # to subset B for the rest: simple, and every reader decodes it
            subset_c = False
        out.append(">0" if ch == ">" else ch)
        i += 1
    return "".join(out)


# Anything but printable ASCII up to `}`, and `^` (`~` and DEL are above `}`).
_NOT_COMMENT_SAFE = re.compile(r"[^\x20-\x5d\x5f-\x7d]")


def comment_safe(text: str) -> str:
    """Text for a `^FX` line: ASCII, no `^`/`~` (they would end or break the comment), other
    characters as `%XX`. A regex, not a loop per character: it runs twice for every label."""
    return _NOT_COMMENT_SAFE.sub(lambda m: f"%{ord(m.group()):02X}", text)
