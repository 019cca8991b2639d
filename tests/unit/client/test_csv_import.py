"""Catalog CSVs: every bad row reported with its spreadsheet row number, field and reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from label_client.csv_import import (
    CsvFormatError,
    LotRow,
    ParsedLots,
    ParsedSerials,
    RowError,
    parse_catalog_csv,
    read_catalog_csv,
)

TODAY = dt.date(2026, 6, 1)
LOT_ID = "0b1c9a52-5d0e-4c41-9d7a-3f7e2b8f4c11"


def lots(text: str) -> ParsedLots:
    parsed = parse_catalog_csv(text, today=TODAY)
    assert isinstance(parsed, ParsedLots)
    return parsed


def serials(text: str) -> ParsedSerials:
    parsed = parse_catalog_csv(text)
    assert isinstance(parsed, ParsedSerials)
    return parsed


def test_valid_lots_are_normalized() -> None:
    parsed = lots(
        "gtin,product_name,lot_number,expiry_date\n"
        "9506000134352,Aspirin,LOT-1,2027-03-31\n"
        "0950-6000-13435-2,,LOT-2,\n"
    )
    assert parsed.errors == ()
    assert parsed.rows == (
        LotRow(2, "09506000134352", "Aspirin", "LOT-1", dt.date(2027, 3, 31)),
        LotRow(3, "09506000134352", "Aspirin", "LOT-2", None),  # the name of the GTIN's named row
    )


def test_columns_in_any_order_with_bom_and_case() -> None:
    parsed = lots("\ufeffLot_Number, GTIN\nA,09506000134352\n")
    assert parsed.rows[0].lot_number == "A" and parsed.rows[0].product_name == ""


def test_bad_rows_name_row_and_field_and_are_left_out() -> None:
    parsed = lots(
        "gtin,lot_number,expiry_date\n"
        "09506000134352,OK,\n"
        "09506000134353,OK2,\n"  # wrong check digit
        "09506000134352,has space,2027-02-30\n"  # two problems on one row
        "09506000134352,,\n"
    )
    assert [r.row for r in parsed.rows] == [2]
    assert [(e.row, e.field) for e in parsed.errors] == [
        (3, "gtin"),
        (4, "lot_number"),
        (4, "expiry_date"),
        (5, "lot_number"),
    ]
    assert "should be 2" in parsed.errors[0].message
    assert "character 4 (' ')" in parsed.errors[1].message
    assert str(parsed.errors[0]).startswith("row 3, gtin: ")


def test_expiry_must_be_dashed_iso_and_within_the_gs1_century_window() -> None:
    parsed = lots("gtin,lot_number,expiry_date\n09506000134352,A,20270331\n09506000134352,B,2090-01-01\n")
    assert [(e.row, e.field) for e in parsed.errors] == [(2, "expiry_date"), (3, "expiry_date")]
    assert "YYYY-MM-DD" in parsed.errors[0].message and "century" in parsed.errors[1].message


def test_duplicates_and_conflicting_names_within_the_file() -> None:
    parsed = lots(
        "gtin,product_name,lot_number\n"
        "09506000134352,Aspirin,A\n"
        "9506000134352,Aspirin,A\n"  # same GTIN once normalized
        "09506000134352,Asprin,B\n"
        "96385074,Other,A\n"  # same lot number, other product: fine
    )
    assert [str(e) for e in parsed.errors] == [
        "row 3, lot_number: duplicate of row 2 (same GTIN)",
        "row 4, product_name: 'Asprin' differs from 'Aspirin' on row 2",
    ]
    assert [r.row for r in parsed.rows] == [2, 5]


def test_blank_lines_keep_row_numbers_aligned_and_extra_cells_are_errors() -> None:
    parsed = lots("gtin,lot_number\n\n09506000134352,A\n09506000134352,B,extra\n")
    assert [r.row for r in parsed.rows] == [3]
    assert parsed.errors == (RowError(4, "row", "has 3 cells but the header has 2"),)


def test_quoted_cells() -> None:
    parsed = lots('gtin,lot_number\n09506000134352,"A,B""C"\n')
    assert parsed.rows[0].lot_number == 'A,B"C'


def test_serials() -> None:
    parsed = serials(
        f"lot_id,serial_number\n{LOT_ID.upper()},SN1\nnot-a-uuid,SN2\n{LOT_ID},SN1\n{LOT_ID},{'9' * 21}\n"
    )
    assert [(r.row, r.lot_id, r.serial_number) for r in parsed.rows] == [(2, LOT_ID, "SN1")]
    assert [(e.row, e.field) for e in parsed.errors] == [
        (3, "lot_id"),
        (4, "serial_number"),
        (5, "serial_number"),
    ]
    assert "duplicate of row 2" in parsed.errors[1].message
    assert "at most 20" in parsed.errors[2].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("gtin,name\n", "cannot tell"),
        ("lot_number\nA\n", "missing column"),
        ("gtin,lot_number,expiry\n", "unknown column"),
        ("lot_id,serial_number,gtin\n", "unknown column"),
        ("gtin,lot_number,gtin\n", "twice"),
    ],
)
def test_header_problems_make_the_file_unusable(text: str, message: str) -> None:
    with pytest.raises(CsvFormatError, match=message):
        parse_catalog_csv(text)


def test_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "lots.csv"
    path.write_bytes("\ufeffgtin,lot_number\r\n09506000134352,A\r\n".encode())
    assert isinstance(read_catalog_csv(path), ParsedLots)
    with pytest.raises(CsvFormatError, match="cannot read"):
        read_catalog_csv(tmp_path / "missing.csv")
