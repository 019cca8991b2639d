"""`labels`: submit, follow, cancel and download label exports; import catalog CSVs.

argparse rather than click: it is in the standard library (the client needs only aiohttp and
rich), it already exits 2 on a usage error as our exit-code contract wants, and the parser is a
plain value the tests can build and inspect.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable, Sequence
from importlib import metadata
from pathlib import Path

from .client import LabelClient
from .commands import UsageError, cancel, download, export, status
from .config import ConfigError, settings_from_env
from .csv_import import CsvFormatError
from .errors import ApiError
from .exit_codes import EPILOG, ExitCode, for_error
from .import_command import run_import
from .import_run import DEFAULT_BATCH_SIZE
from .models import EXPORT_TYPES, FILE_FORMATS, SCOPES
from .output import Output

Handler = Callable[[argparse.Namespace, LabelClient, Output], Awaitable[ExitCode]]


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _batch_size(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 100000")
    return int(text)


def _iso_date(text: str) -> str:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return text


def _version() -> str:
    try:
        return metadata.version("label-export")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", help="print the result as JSON on stdout; no progress bars"
    )
    common.add_argument(
        "--env-file", type=Path, metavar="PATH", help="KEY=value file (default .run/demo.env)"
    )
    common.add_argument("--api-url", metavar="URL", help="API base URL (default: $API_URL)")

    parser = argparse.ArgumentParser(
        prog="labels",
        description="Bulk GS1 label exports from the command line.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            parents=[common],
            help=help_text,
            description=help_text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(handler=handler)
        return p

    p = command("export", export, "submit an export; with --wait (or --out) follow it and download it")
    p.add_argument("--scope", required=True, choices=SCOPES)
    p.add_argument("--type", dest="export_type", required=True, choices=EXPORT_TYPES)
    p.add_argument("--format", dest="file_format", required=True, choices=FILE_FORMATS)
    p.add_argument("--gtin", action="append", metavar="GTIN", help="only these GTINs (repeatable)")
    p.add_argument("--product-id", metavar="ID")
    p.add_argument("--lot-id", action="append", metavar="ID", help="repeatable")
    p.add_argument("--serial-id", action="append", metavar="ID", help="repeatable (scope serials)")
    p.add_argument("--lot-run-id", metavar="ID", help="entities created by one bulk-create run")
    p.add_argument("--never-printed", action="store_true", help="only entities no completed export included")
    p.add_argument("--expiry-from", type=_iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--expiry-to", type=_iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--asset-config", metavar="JSON", help="renderer options, e.g. '{\"dpi\": 600}'")
    p.add_argument("--idempotency-key", metavar="KEY", help="a retried submit with the same key is one job")
    p.add_argument("--wait", action="store_true", help="follow the job with a progress bar until it ends")
    p.add_argument("--out", type=Path, metavar="FILE", help="download the artifact here (implies --wait)")
    p.add_argument("--timeout", type=_positive_seconds, metavar="SECONDS", help="give up waiting after this")

    p = command("status", status, "show a job's status")
    p.add_argument("job_id", metavar="JOB_ID")
    p.add_argument("--wait", action="store_true", help="follow the job until it ends")
    p.add_argument("--timeout", type=_positive_seconds, metavar="SECONDS")

    p = command("cancel", cancel, "cancel a pending or processing job")
    p.add_argument("job_id", metavar="JOB_ID")

    p = command("download", download, "wait for a job if needed, then download and verify its artifact")
    p.add_argument("job_id", metavar="JOB_ID")
    p.add_argument("--out", type=Path, metavar="PATH", help="file or directory (default: server's file name)")
    p.add_argument("--timeout", type=_positive_seconds, metavar="SECONDS")

    p = command(
        "import",
        run_import,
        "import lots (gtin,product_name,lot_number,expiry_date) or serials (lot_id,serial_number) from CSV",
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if others fail")
    p.add_argument("--dry-run", action="store_true", help="check everything, send nothing")
    p.add_argument("--batch-size", type=_batch_size, default=DEFAULT_BATCH_SIZE, metavar="N")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits 2 itself on a usage error
    out = Output(json_mode=args.json)
    try:
        settings = settings_from_env(env_file=args.env_file, api_url=args.api_url)
    except ConfigError as exc:
        out.error(str(exc))
        return ExitCode.USAGE
    try:
        return int(asyncio.run(_run(args, LabelClient(settings.api_url, settings.api_key), out)))
    except KeyboardInterrupt:
        # Outside a wait (submitting, downloading): nothing was cancelled on the server.
        out.warn("interrupted")
        return ExitCode.INTERRUPTED


async def _run(args: argparse.Namespace, client: LabelClient, out: Output) -> ExitCode:
    handler: Handler = args.handler
    async with client:
        try:
            return await handler(args, client, out)
        except (UsageError, CsvFormatError) as exc:
            out.error(str(exc))
            return ExitCode.USAGE
        except ApiError as exc:
            report_api_error(out, exc)
            return for_error(exc)


def report_api_error(out: Output, exc: ApiError) -> None:
    out.error(str(exc))
    for field, message in exc.field_errors:
        out.error(f"  {field}: {message}")
    if out.json_mode:
        envelope = {"status": exc.status, "code": exc.code, "message": exc.message, "details": exc.details}
        out.result({"error": envelope})


if __name__ == "__main__":
    sys.exit(main())
