"""Code 128 and GS1-128 symbol characters, straight to bar and space widths (ISO/IEC 15417).

One pass, no raster: the data becomes symbol characters, each symbol character its six widths
from the table below, so a writer gets the bars without reading an image back. The code sets are
chosen by the same minimal-length rule, with the same tie-breaking, as the zint encoder inside
zxing-cpp (the writer used before): fewest symbol characters, and on a tie the set
tried first — C, then B, then A. The same input therefore gives the same symbol, bar for bar
(tests/unit/rendering/test_code128.py compares both on thousands of inputs).

Only ASCII is handled: the GS1 AI-82 set and the GS separator are all this project encodes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from operator import mul

from labelkit.rendering.symbols.errors import SymbolEncodeError

# Widths of symbol characters 0..105 (bar, space, bar, space, bar, space) and the stop (106,
# seven elements), ISO/IEC 15417 table 1.
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 "
    "122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 "
    "321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 "
    "211313 231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 "
    "213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 111422 "
    "121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111 "
    "241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121 "
    "412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412 "
    "211214 211232 2331112"
)
_PATTERNS = _TABLE.split()
#: Widths of each symbol character as bytes (1..4 per element), for `bytes.join`.
WIDTHS = tuple(bytes(int(d) for d in p) for p in _PATTERNS)

FNC1 = 102
_SHIFT = 98
_STOP = 106
_A, _B, _C = 0, 1, 2
_START = (103, 104, 105)
# [from][to]: the latch characters CODE A (101), CODE B (100), CODE C (99).
_LATCH = ((0, 100, 99), (101, 0, 99), (101, 100, 0))
_GS = "\x1d"


def codewords(data: str, *, gs1: bool) -> list[int]:
    """Symbol character values of `data`: start (and FNC1 for GS1), data, check; no stop.

    With `gs1`, each GS (0x1D) in `data` is an FNC1 separator; without, it is the ASCII data
    character GS (code set A).
    """
    if not data or not data.isascii():
        raise SymbolEncodeError("Code 128: data must be 1 or more ASCII characters")
    values = _gs1_values(data) if gs1 else _plain_values(data)
    values.append((values[0] + sum(map(mul, values, range(len(values))))) % 103)
    return values


def _gs1_values(data: str) -> list[int]:
    """Values of GS1 data: its plan (cached by the data's shape) applied to its characters."""
    ascii_data = data.encode("ascii")
    values: list[int] = []
    for kind, start, end, fixed in _gs1_plan(ascii_data.translate(_SHAPE)):
        if kind == _FIXED:
            values += fixed
        elif kind == _C:
            values += map(int, _PAIRS.findall(data, start, end))
        else:
            values += ascii_data[start:end].translate(_VALUE_AB)
    return values


# A plan step: (_FIXED, 0, 0, values) for start, latch and FNC1 characters, (_C, start, end, ())
# for digit pairs and (_B, start, end, ()) for characters one by one.
_Step = tuple[int, int, int, tuple[int, ...]]
_FIXED = -1
# The shape of GS1 data: every digit 0, GS kept, any other character x. The code sets depend
# on nothing else, and generated serials (prefix + counter) share one shape.
_SHAPE = bytes(ord("0") if 48 <= c <= 57 else c if c == 0x1D else ord("x") for c in range(256))


@lru_cache(maxsize=1024)
def _gs1_plan(shape: bytes) -> tuple[_Step, ...]:
    """Only sets B and C compete (GS1 data has no control characters). The data splits into digit
    runs, FNC1s and runs of other characters (always set B); the choice inside a digit run depends
    only on its length, the set before it and whether set C or B is cheaper after it
    (`_digit_run`), so one backward and one forward pass over the runs find the same symbol
    characters as the per-character search of `_plain_values`."""
    runs = _RUNS.findall(shape.decode("ascii"))
    # Backward: cost of the rest of the data after each run, entered in set B / set C.
    after: list[tuple[int, int]] = []
    e_b = e_c = 0
    for run in reversed(runs):
        after.append((e_b, e_c))
        first = run[0]
        if first == _GS:  # FNC1: one character in either set
            e_b, e_c = min(2 + e_c, 1 + e_b), min(1 + e_c, 2 + e_b)
        elif first == "0":
            g_b, g_c, _ = _digit_run(len(run), e_c - e_b)
            e_b, e_c = e_b + g_b, e_b + g_c
        else:
            e_b, e_c = e_b + len(run), e_b + len(run) + 1
    after.reverse()
    steps: list[_Step] = []
    cset = _START_SET
    pos = 0
    for run, (e_b, e_c) in zip(runs, after, strict=True):
        first = run[0]
        if first == _GS:
            use = _C if 1 + (cset != _C) + e_c <= 1 + (cset != _B) + e_b else _B
            fixed = _switch(cset, use, gs1=True) if use != cset else []
            steps.append((_FIXED, 0, 0, (*fixed, FNC1)))
            cset = use
        elif first == "0":
            for op, count in _digit_run(len(run), e_c - e_b)[2][cset]:
                if op < 0:
                    steps.append((_FIXED, 0, 0, tuple(_switch(cset, -op - 1, gs1=True))))
                    cset = -op - 1
                else:
                    steps.append((op, pos, pos + count, ()))
                    pos += count
            continue
        else:
            if cset != _B:
                steps.append((_FIXED, 0, 0, tuple(_switch(cset, _B, gs1=True))))
                cset = _B
            steps.append((_B, pos, pos + len(run), ()))
        pos += len(run)
    return tuple(steps)


_RUNS = re.compile("[0-9]+|\x1d|[^0-9\x1d]+")
_PAIRS = re.compile("[0-9][0-9]")
# Byte -> symbol character value in sets A/B: control characters are A's 64..95, others B's.
_VALUE_AB = bytes((c + 64 if c < 32 else c - 32) & 0xFF for c in range(256))
_START_SET = 3  # before the start character: no set yet, and every set costs one start


def _switch(cset: int, to: int, *, gs1: bool) -> list[int]:
    """The start character (with FNC1 for GS1) or the latch from `cset` to `to`."""
    if cset == _START_SET:
        return [_START[to], FNC1] if gs1 else [_START[to]]
    return [_LATCH[cset][to]]


_Plan = tuple[tuple[int, int], ...]


@lru_cache(maxsize=512)
def _digit_run(length: int, delta: int) -> tuple[int, int, dict[int, _Plan]]:
    """A run of `length` digits followed by data that costs `delta` more entered in set C than
    in set B: its cost entered in B and in C (beyond the cost after it), and for each set it may
    be entered in, the steps: (C, digits) in pairs, (B, digits) one by one, or (-1 - set, 0) to
    switch. The same per-character choice as the general case below, on the run alone."""
    inf = 1 << 20
    cost_b = [0] * (length + 2)
    cost_c = [0] * (length + 2)
    cost_c[length] = delta
    pick: list[tuple[int, int, int]] = [(0, 0, 0)] * length  # set chosen after B, after C, at start
    for i in range(length - 1, -1, -1):
        pair = 1 + cost_c[i + 2] if i + 1 < length else inf
        single = 1 + cost_b[i + 1]
        after_b = _C if pair + 1 <= single else _B
        after_c = _C if pair <= single + 1 else _B
        at_start = _C if pair <= single else _B
        cost_b[i] = min(pair + 1, single)
        cost_c[i] = min(pair, single + 1)
        pick[i] = (after_b, after_c, at_start)
    plans: dict[int, _Plan] = {}
    for entry in (_B, _C, _START_SET):
        steps: list[tuple[int, int]] = []
        cset, i = entry, 0
        while i < length:
            use = pick[i][0 if cset == _B else 1 if cset == _C else 2]
            if use != cset:
                steps.append((-1 - use, 0))
                cset = use
            step = 2 if use == _C else 1
            if steps and steps[-1][0] == use:
                steps[-1] = (use, steps[-1][1] + step)
            else:
                steps.append((use, step))
            i += step
        plans[entry] = tuple(steps)
    return cost_b[0], cost_c[0], plans


def _plain_values(data: str) -> list[int]:
    """Plain Code 128 (GS is a data character): the per-character minimal-length search over
    sets A, B and C, shifts included."""
    n = len(data)
    codes = data.encode("ascii")
    digit = [48 <= c <= 57 for c in codes] + [False]
    pairs = any(digit[i] and digit[i + 1] for i in range(n))
    low = any(c < 32 for c in codes)
    high = any(c >= 96 for c in codes)
    order = tuple(s for s, used in ((_C, pairs), (_B, high or not low), (_A, low)) if used)
    inf = 1 << 20
    # best[i][s]: fewest symbol characters for data[i:] when set s is active before i (s = 3:
    # before the start character); choice[i][s]: the set to use at i. `order` breaks ties.
    best = [[0, 0, 0, 0] for _ in range(n + 2)]
    choice = [[0, 0, 0, 0] for _ in range(n)]
    for i in range(n - 1, -1, -1):
        c = codes[i]
        can_c = digit[i] and digit[i + 1]
        for prior in (_A, _B, _C, _START_SET):
            least, pick = inf, -1
            for s in order:
                if s == _C:
                    if not can_c:
                        continue
                    cost = 1 + (prior != _C) + best[i + 2][_C]
                else:
                    shift = (s == _A and c >= 96) or (s == _B and c < 32)
                    cost = 1 + shift + (prior != s) + best[i + 1][s]
                if cost < least:
                    least, pick = cost, s
            best[i][prior] = least
            choice[i][prior] = pick
    values: list[int] = []
    cset, i = _START_SET, 0
    while i < n:
        s = choice[i][cset]
        if s != cset:
            values += _switch(cset, s, gs1=False)
            cset = s
        c = codes[i]
        if s == _C:
            values.append((c - 48) * 10 + codes[i + 1] - 48)
            i += 2
        else:
            if (s == _A and c >= 96) or (s == _B and c < 32):
                values.append(_SHIFT)
            values.append(_VALUE_AB[c])
            i += 1
    return values


def bar_widths(values: Sequence[int]) -> bytes:
    """Element widths of the whole symbol, bar first, ending with the stop's last bar."""
    return b"".join([WIDTHS[v] for v in values]) + WIDTHS[_STOP]
