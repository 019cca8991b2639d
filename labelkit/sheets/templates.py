"""Sheet templates: where the labels of a multi-up sheet sit on the page.

All lengths are millimetres, measured from the page's top-left corner, the way label vendors
publish them. Labels are filled row by row, left to right, top to bottom.

`parse_template` accepts what `asset_config.sheet_template` may hold: a built-in name or a custom
object; every problem is reported with the dotted path of the field at fault, ready for a 422.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from labelkit.limits import MAX_TEMPLATE_NAME, control_char_message

MM_PER_INCH = 25.4
PT_PER_MM = 72.0 / MM_PER_INCH

#: PDF viewers must support pages up to 200 in (14,400 pt) a side.
MAX_PAGE_MM = 200 * MM_PER_INCH
#: More cells than this per page makes no sense for a label sheet and bloats one content stream.
MAX_LABELS_PER_PAGE = 2_000
#: Tolerance for "fits on the page" comparisons of vendor figures given to 0.1 mm.
_EPS_MM = 1e-6

DEFAULT_TEMPLATE_NAME = "63up_1in_letter"
DEFAULT_FIELD = "asset_config.sheet_template"


@dataclass(frozen=True, slots=True)
class SheetTemplate:
    """One label sheet. `pitch_*` is the distance between the same edges of neighbouring labels;
    `offset_*` is the first (top-left) label's top-left corner."""

    name: str
    page_width_mm: float
    page_height_mm: float
    columns: int
    rows: int
    label_width_mm: float
    label_height_mm: float
    pitch_x_mm: float
    pitch_y_mm: float
    offset_x_mm: float
    offset_y_mm: float

    @property
    def labels_per_page(self) -> int:
        return self.columns * self.rows

    @property
    def page_size_pt(self) -> tuple[float, float]:
        return self.page_width_mm * PT_PER_MM, self.page_height_mm * PT_PER_MM

    def cell_origin_mm(self, slot: int) -> tuple[float, float]:
        """Top-left corner of label `slot` (0-based on its page), from the page's top-left."""
        row, col = divmod(slot, self.columns)
        return self.offset_x_mm + col * self.pitch_x_mm, self.offset_y_mm + row * self.pitch_y_mm

    def cell_origin_pt(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner of label `slot` in PDF user space (origin at the page's bottom-left)."""
        x_mm, top_mm = self.cell_origin_mm(slot)
        return x_mm * PT_PER_MM, (self.page_height_mm - top_mm - self.label_height_mm) * PT_PER_MM


class TemplateError(ValueError):
    """A sheet template is unknown or invalid. `errors` holds (dotted field path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))


def _inch(value: float) -> float:
    return value * MM_PER_INCH


def _centred(
    name: str,
    page_w: float,
    page_h: float,
    cols: int,
    rows: int,
    w: float,
    h: float,
    pitch_x: float,
    pitch_y: float,
) -> SheetTemplate:
    used_w = (cols - 1) * pitch_x + w
    used_h = (rows - 1) * pitch_y + h
    return SheetTemplate(
        name, page_w, page_h, cols, rows, w, h, pitch_x, pitch_y, (page_w - used_w) / 2, (page_h - used_h) / 2
    )


_LETTER = (_inch(8.5), _inch(11))
_A4 = (210.0, 297.0)

BUILTIN_TEMPLATES: Mapping[str, SheetTemplate] = {
    t.name: t
    for t in (
        # 7 × 9 one-inch squares, 1/8 in gutters, the block centred on the page.
        _centred("63up_1in_letter", *_LETTER, 7, 9, _inch(1), _inch(1), _inch(1.125), _inch(1.125)),
        # Avery 5160: 1 × 2-5/8 in, 3/16 in side margins, 1/8 in gutter, 1/2 in top margin.
        SheetTemplate(
            "30up_1x2.625in_letter",
            *_LETTER,
            3,
            10,
            _inch(2.625),
            _inch(1),
            _inch(2.75),
            _inch(1),
            _inch(0.1875),
            _inch(0.5),
        ),
        # Avery 5167: 1/2 × 1-3/4 in, 4 × 20, 9/32 in side margins, 5/16 in gutters, 1/2 in top margin.
        SheetTemplate(
            "80up_0.5x1.75in_letter",
            *_LETTER,
            4,
            20,
            _inch(1.75),
            _inch(0.5),
            _inch(2.0625),
            _inch(0.5),
            _inch(0.28125),
            _inch(0.5),
        ),
        # 3 × 8 of 70 × 37 mm edge to edge (e.g. Avery 3474), 0.5 mm top and bottom.
        _centred("24up_70x37mm_a4", *_A4, 3, 8, 70.0, 37.0, 70.0, 37.0),
        # Avery L7651: 5 × 13 of 38.1 × 21.2 mm, 4.7 mm side and 10.7 mm top margins, 2.5 mm gutter.
        SheetTemplate("65up_38.1x21.2mm_a4", *_A4, 5, 13, 38.1, 21.2, 40.6, 21.2, 4.7, 10.7),
    )
}

_REQUIRED = ("page_width_mm", "page_height_mm", "columns", "rows", "label_width_mm", "label_height_mm")
_OPTIONAL = ("name", "pitch_x_mm", "pitch_y_mm", "offset_x_mm", "offset_y_mm")


def parse_template(value: object, field: str = DEFAULT_FIELD) -> SheetTemplate:
    """A built-in template by name, or a custom one from a JSON object.

    Custom object keys (mm): `page_width_mm`, `page_height_mm`, `columns`, `rows`,
    `label_width_mm`, `label_height_mm` (required); `pitch_x_mm`/`pitch_y_mm` (default: the label
    size, i.e. no gutter), `offset_x_mm`/`offset_y_mm` (default: the label block centred), `name`.
    Raises TemplateError naming every field at fault.
    """
    if value is None:
        return BUILTIN_TEMPLATES[DEFAULT_TEMPLATE_NAME]
    if isinstance(value, SheetTemplate):
        value = {k: getattr(value, k) for k in SheetTemplate.__slots__}
    if isinstance(value, str):
        try:
            return BUILTIN_TEMPLATES[value]
        except KeyError:
            names = ", ".join(BUILTIN_TEMPLATES)
            raise TemplateError(
                [(field, f"unknown sheet template {value!r}; use one of {names} or a custom template object")]
            ) from None
    if not isinstance(value, Mapping):
        raise TemplateError([(field, "must be a template name or an object")])
    return _parse_custom(value, field)


def _parse_custom(obj: Mapping[object, object], field: str) -> SheetTemplate:
    errors: list[tuple[str, str]] = []
    if len(obj) > len(_REQUIRED) + len(_OPTIONAL):
        raise TemplateError(
            [(field, f"has {len(obj)} fields; a template has at most {len(_REQUIRED) + len(_OPTIONAL)}")]
        )
    for key in obj:
        if key not in _REQUIRED and key not in _OPTIONAL:
            # A client's key goes into the error path only if it is short, printable text.
            shown = key if isinstance(key, str) and len(key) <= 64 and not control_char_message(key) else "?"
            errors.append((f"{field}.{shown}", "unknown field"))
    for key in _REQUIRED:
        if key not in obj:
            errors.append((f"{field}.{key}", "field required"))
    name = obj.get("name", "custom")
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_TEMPLATE_NAME:
        errors.append((f"{field}.name", f"must be a string of 1 to {MAX_TEMPLATE_NAME} characters"))
        name = "custom"
    elif (refused := control_char_message(name)) is not None:
        errors.append((f"{field}.name", refused))
        name = "custom"

    def count(key: str) -> int:
        raw = obj.get(key)
        if key not in obj:
            return 1
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            errors.append((f"{field}.{key}", "must be a whole number ≥ 1"))
            return 1
        return raw

    def length(key: str, default: float | None, *, positive: bool) -> float:
        if key not in obj:
            return 1.0 if default is None else default
        raw = obj.get(key)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            errors.append((f"{field}.{key}", "must be a number of millimetres"))
            return 1.0
        if positive and raw <= 0:
            errors.append((f"{field}.{key}", "must be greater than 0"))
        elif raw < 0:
            errors.append((f"{field}.{key}", "must not be negative"))
        elif raw > MAX_PAGE_MM:
            errors.append((f"{field}.{key}", f"must be at most {MAX_PAGE_MM:g} mm"))
        return float(raw)

    page_w = length("page_width_mm", None, positive=True)
    page_h = length("page_height_mm", None, positive=True)
    cols, rows = count("columns"), count("rows")
    label_w = length("label_width_mm", None, positive=True)
    label_h = length("label_height_mm", None, positive=True)
    pitch_x = length("pitch_x_mm", label_w, positive=True)
    pitch_y = length("pitch_y_mm", label_h, positive=True)
    if errors:
        raise TemplateError(errors)
    if cols * rows > MAX_LABELS_PER_PAGE:
        errors.append(
            (f"{field}.rows", f"{cols} × {rows} labels per page is more than {MAX_LABELS_PER_PAGE}")
        )
    if cols > 1 and pitch_x + _EPS_MM < label_w:
        errors.append(
            (
                f"{field}.pitch_x_mm",
                f"{pitch_x:g} mm is less than the label width {label_w:g} mm: labels would overlap",
            )
        )
    if rows > 1 and pitch_y + _EPS_MM < label_h:
        errors.append(
            (
                f"{field}.pitch_y_mm",
                f"{pitch_y:g} mm is less than the label height {label_h:g} mm: labels would overlap",
            )
        )
    used_w = (cols - 1) * pitch_x + label_w
    used_h = (rows - 1) * pitch_y + label_h
    off_x = length("offset_x_mm", (page_w - used_w) / 2, positive=False)
    off_y = length("offset_y_mm", (page_h - used_h) / 2, positive=False)
    if errors:
        raise TemplateError(errors)
    if off_x + used_w > page_w + _EPS_MM:
        key = "offset_x_mm" if "offset_x_mm" in obj and used_w <= page_w + _EPS_MM else "columns"
        errors.append(
            (
                f"{field}.{key}",
                f"{cols} column(s) of {label_w:g} mm at a {pitch_x:g} mm pitch "
                f"from {off_x:g} mm end at {off_x + used_w:g} mm, past the "
                f"{page_w:g} mm page width",
            )
        )
    if off_y + used_h > page_h + _EPS_MM:
        key = "offset_y_mm" if "offset_y_mm" in obj and used_h <= page_h + _EPS_MM else "rows"
        errors.append(
            (
                f"{field}.{key}",
                f"{rows} row(s) of {label_h:g} mm at a {pitch_y:g} mm pitch "
                f"from {off_y:g} mm end at {off_y + used_h:g} mm, past the "
                f"{page_h:g} mm page height",
            )
        )
    if errors:
        raise TemplateError(errors)
    return SheetTemplate(name, page_w, page_h, cols, rows, label_w, label_h, pitch_x, pitch_y, off_x, off_y)
