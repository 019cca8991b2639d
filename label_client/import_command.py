"""`labels import FILE`: a catalog CSV checked row by row, then sent in bulk."""

from __future__ import annotations

import argparse
import asyncio

from .client import LabelClient
from .csv_import import ParsedLots, read_catalog_csv
from .exit_codes import ExitCode, for_error
from .import_run import ImportReport, import_lots, import_serials
from .output import Output

SHOWN_ERRORS = 50  # beyond this a terminal is no place to read them; --json has all


async def run_import(args: argparse.Namespace, client: LabelClient, out: Output) -> ExitCode:
    # CsvFormatError (unreadable file, wrong header) propagates: the caller reports it as usage.
    parsed = await asyncio.to_thread(read_catalog_csv, args.file)
    skip, dry, size = bool(args.skip_invalid), bool(args.dry_run), int(args.batch_size)
    if isinstance(parsed, ParsedLots):
        report = await import_lots(
            client, parsed, skip_invalid=skip, dry_run=dry, batch_size=size, log=out.info
        )
    else:
        report = await import_serials(
            client, parsed, skip_invalid=skip, dry_run=dry, batch_size=size, log=out.info
        )
    _show(out, report, args.skip_invalid)
    if report.fatal is not None:
        out.error(str(report.fatal))
        return for_error(report.fatal)
    return ExitCode.OK if not report.errors else ExitCode.FAILED


def _show(out: Output, report: ImportReport, skip_invalid: bool) -> None:
    errors = sorted(report.errors, key=lambda e: (e.row, e.field))
    if not out.json_mode:
        for error in errors[:SHOWN_ERRORS]:
            out.error(str(error))
        if len(errors) > SHOWN_ERRORS:
            out.error(f"... and {len(errors) - SHOWN_ERRORS} more (--json lists them all)")
    out.result(report.to_json(), _summary(report, skip_invalid))


def _summary(report: ImportReport, skip_invalid: bool) -> list[str]:
    bad_rows = len({e.row for e in report.errors})
    if report.dry_run:
        lines = [f"dry run: {report.valid_rows} valid {report.kind} rows, {bad_rows} rows with errors"]
        if report.products_to_create:
            lines.append(f"would create products: {', '.join(report.products_to_create)}")
        return lines
    if not report.sent and report.errors and not skip_invalid:
        return [f"nothing sent: {bad_rows} row(s) have errors; fix them or pass --skip-invalid"]
    lines = []
    if report.products_created:
        lines.append(f"created {len(report.products_created)} product(s)")
    lines.append(f"created {report.created} {report.kind}")
    if bad_rows:
        lines.append(f"{bad_rows} row(s) not imported")
    if report.stopped_early:
        lines.append("stopped at the first batch the server refused (pass --skip-invalid to go on)")
    return lines
