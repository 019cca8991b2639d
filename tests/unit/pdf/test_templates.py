"""Sheet templates: built-in geometry and validation of custom templates."""

from __future__ import annotations

import pytest

from labelkit.rendering.pdf import BUILTIN_TEMPLATES, SheetTemplate, TemplateError, parse_template

FIELD = "asset_config.sheet_template"


def _boxes(t: SheetTemplate) -> list[tuple[float, float, float, float]]:
    return [(*t.cell_origin_mm(s), t.label_width_mm, t.label_height_mm) for s in range(t.labels_per_page)]


@pytest.mark.parametrize("name", sorted(BUILTIN_TEMPLATES))
def test_builtin_cells_lie_on_the_page_without_overlap(name: str) -> None:
    t = BUILTIN_TEMPLATES[name]
    assert t.name == name
    assert parse_template(name) is t
    assert parse_template(t) == t  # a template object passes its own validation
    boxes = _boxes(t)
    for x, y, w, h in boxes:
        assert x >= -1e-9 and y >= -1e-9
        assert x + w <= t.page_width_mm + 1e-6 and y + h <= t.page_height_mm + 1e-6
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            apart_x = x1 + w1 <= x2 + 1e-6 or x2 + w2 <= x1 + 1e-6
            assert apart_x or y1 + h1 <= y2 + 1e-6 or y2 + h2 <= y1 + 1e-6


@pytest.mark.parametrize(
    ("name", "cols", "rows", "w", "h", "page"),
    [
        ("63up_1in_letter", 7, 9, 25.4, 25.4, (215.9, 279.4)),
        ("30up_1x2.625in_letter", 3, 10, 66.675, 25.4, (215.9, 279.4)),
        ("80up_0.5x1.75in_letter", 4, 20, 44.45, 12.7, (215.9, 279.4)),
        ("24up_70x37mm_a4", 3, 8, 70, 37, (210, 297)),
        ("65up_38.1x21.2mm_a4", 5, 13, 38.1, 21.2, (210, 297)),
    ],
)
def test_builtin_geometry(
    name: str, cols: int, rows: int, w: float, h: float, page: tuple[float, float]
) -> None:
    t = BUILTIN_TEMPLATES[name]
    assert (t.columns, t.rows) == (cols, rows)
    assert t.label_width_mm == pytest.approx(w) and t.label_height_mm == pytest.approx(h)
    assert (t.page_width_mm, t.page_height_mm) == pytest.approx(page)


def test_63up_is_centred() -> None:
    t = BUILTIN_TEMPLATES["63up_1in_letter"]
    last_x, last_y = t.cell_origin_mm(t.labels_per_page - 1)
    assert t.offset_x_mm == pytest.approx(t.page_width_mm - last_x - t.label_width_mm)
    assert t.offset_y_mm == pytest.approx(t.page_height_mm - last_y - t.label_height_mm)


def test_cell_origin_pt_is_bottom_left_in_pdf_space() -> None:
    t = BUILTIN_TEMPLATES["24up_70x37mm_a4"]
    x, y = t.cell_origin_pt(0)
    assert x == pytest.approx(0)
    assert y == pytest.approx((297 - 0.5 - 37) * 72 / 25.4)


def test_default_and_custom_template() -> None:
    assert parse_template(None).name == "63up_1in_letter"
    t = parse_template(
        {
            "page_width_mm": 100,
            "page_height_mm": 50,
            "columns": 2,
            "rows": 1,
            "label_width_mm": 40,
            "label_height_mm": 30,
            "pitch_x_mm": 45,
        }
    )
    assert t.name == "custom"
    assert (t.offset_x_mm, t.offset_y_mm) == pytest.approx((7.5, 10))
    assert t.pitch_y_mm == 30
    assert parse_template({**_custom(), "name": "mine", "offset_x_mm": 0, "offset_y_mm": 0}).name == "mine"


def _custom(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "page_width_mm": 210,
        "page_height_mm": 297,
        "columns": 3,
        "rows": 8,
        "label_width_mm": 70,
        "label_height_mm": 37,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def _fields(value: object) -> dict[str, str]:
    with pytest.raises(TemplateError) as caught:
        parse_template(value)
    return dict(caught.value.errors)


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ("99up_nonsense", FIELD, "unknown sheet template"),
        (42, FIELD, "template name or an object"),
        (_custom(columns=0), f"{FIELD}.columns", "≥ 1"),
        (_custom(columns=2.5), f"{FIELD}.columns", "whole number"),
        (_custom(rows=True), f"{FIELD}.rows", "whole number"),
        (_custom(label_width_mm=-1), f"{FIELD}.label_width_mm", "greater than 0"),
        (_custom(label_height_mm="37"), f"{FIELD}.label_height_mm", "number of millimetres"),
        (_custom(page_height_mm=float("nan")), f"{FIELD}.page_height_mm", "number"),
        (_custom(page_width_mm=None), f"{FIELD}.page_width_mm", "required"),
        (_custom(colour="red"), f"{FIELD}.colour", "unknown field"),
        (_custom(pitch_x_mm=60), f"{FIELD}.pitch_x_mm", "overlap"),
        (_custom(pitch_y_mm=30), f"{FIELD}.pitch_y_mm", "overlap"),
        (_custom(columns=4), f"{FIELD}.columns", "past the 210 mm page width"),
        (_custom(rows=9), f"{FIELD}.rows", "past the 297 mm page height"),
        (_custom(offset_x_mm=1), f"{FIELD}.offset_x_mm", "past the 210 mm page width"),
        (_custom(offset_y_mm=-1), f"{FIELD}.offset_y_mm", "must not be negative"),
        (_custom(name=""), f"{FIELD}.name", "1 to 64"),
        (_custom(columns=50, rows=50, label_width_mm=1, label_height_mm=1), f"{FIELD}.rows", "per page"),
    ],
)
def test_custom_template_errors_name_the_field(value: object, field: str, words: str) -> None:
    errors = _fields(value)
    assert field in errors, errors
    assert words in errors[field]


def test_every_error_is_reported_at_once() -> None:
    errors = _fields(_custom(columns=0, label_width_mm=0, extra=1))
    assert set(errors) == {f"{FIELD}.columns", f"{FIELD}.label_width_mm", f"{FIELD}.extra"}


def test_error_path_prefix_is_configurable() -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template("nope", field="sheet_template")
    assert caught.value.errors[0][0] == "sheet_template"
    assert str(caught.value).startswith("sheet_template: unknown sheet template 'nope'")
