"""The job subcommands of `labels`: export, status, cancel, download.

Each takes the parsed arguments, a client and the output, and returns an `ExitCode`; errors the
API raises are left to the caller (`cli.run`), which maps them all the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from labelkit.gs1 import GS1ValidationError, normalize_gtin

from .client import LabelClient, WaitTimeout
from .exit_codes import ExitCode, for_status
from .interrupt import Interrupted, ask_yes_no, can_ask, until_interrupted
from .models import ExportFilters, JobStatus
from .output import Output
from .progress import DownloadProgress, JobProgress


class UsageError(ValueError):
    """An argument the parser accepted but that makes no sense; exits 2 like a parser error."""


def build_filters(args: argparse.Namespace) -> ExportFilters:
    """The filters (docs/contract.md#filters) from the export options; GTINs checked here so a typo fails in
    a second."""
    filters: ExportFilters = {}
    if args.gtin:
        try:
            filters["gtins"] = [normalize_gtin(g, field="--gtin") for g in args.gtin]
        except GS1ValidationError as exc:
            raise UsageError(str(exc)) from None
    if args.product_id:
        filters["product_id"] = args.product_id
    if args.lot_id:
        filters["lot_ids"] = list(args.lot_id)
    if args.serial_id:
        filters["serial_ids"] = list(args.serial_id)
    if args.lot_run_id:
        filters["lot_run_id"] = args.lot_run_id
    if args.never_printed:
        filters["never_printed"] = True
    if args.expiry_from:
        filters["expiry_from"] = args.expiry_from
    if args.expiry_to:
        filters["expiry_to"] = args.expiry_to
    return filters


def parse_asset_config(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--asset-config is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise UsageError("--asset-config must be a JSON object, e.g. '{\"dpi\": 600}'")
    return value


async def export(args: argparse.Namespace, client: LabelClient, out: Output) -> ExitCode:
    filters = build_filters(args)
    asset_config = parse_asset_config(args.asset_config)
    receipt = await client.submit_export(
        scope=args.scope,
        export_type=args.export_type,
        file_format=args.file_format,
        filters=filters or None,
        asset_config=asset_config,
        idempotency_key=args.idempotency_key,
    )
    if not (args.wait or args.out):
        out.result(
            {"job_id": receipt.job_id, "status": receipt.status, "poll_url": receipt.poll_url},
            [receipt.job_id],
        )
        out.info(f"submitted; follow it with: labels status {receipt.job_id} --wait")
        return ExitCode.OK
    out.info(f"submitted job {receipt.job_id}")
    return await _wait_then_download(client, out, receipt.job_id, args.out, args.timeout)


async def status(args: argparse.Namespace, client: LabelClient, out: Output) -> ExitCode:
    if args.wait:
        return await _wait_then_download(client, out, args.job_id, None, args.timeout)
    current = await client.get_status(args.job_id)
    _report(out, current)
    return for_status(current)


async def cancel(args: argparse.Namespace, client: LabelClient, out: Output) -> ExitCode:
    current = await client.cancel(args.job_id)
    _report(out, current)
    return ExitCode.OK


async def download(args: argparse.Namespace, client: LabelClient, out: Output) -> ExitCode:
    # Waits first: "download it when it is ready" is what someone typing this wants.
    return await _wait_then_download(client, out, args.job_id, args.out or Path("."), args.timeout)


async def _wait_then_download(
    client: LabelClient, out: Output, job_id: str, dest: Path | None, wait_timeout: float | None
) -> ExitCode:
    with JobProgress(out.stderr, job_id, enabled=out.interactive) as bar:
        try:
            final = await until_interrupted(client.wait(job_id, on_progress=bar.update, timeout=wait_timeout))
        except WaitTimeout as exc:
            out.error(f"{exc}; the job goes on: labels status {job_id}")
            if exc.last_status is not None:
                out.result(dict(exc.last_status.raw))
            return ExitCode.API_ERROR
    if isinstance(final, Interrupted):
        return await _interrupted(client, out, job_id)
    if final.is_completed and dest is not None:
        await _download(client, out, final, dest)
    _report(out, final)
    return for_status(final)


async def _download(client: LabelClient, out: Output, final: JobStatus, dest: Path) -> None:
    name = final.output_filename or f"{final.job_id}.zip"
    target = dest / name if await asyncio.to_thread(dest.is_dir) else dest
    with DownloadProgress(
        out.stderr, target.name, total=final.file_size_bytes or None, enabled=out.interactive
    ) as bar:
        result = await client.download(final, target, on_bytes=bar.update)
    out.info(f"saved {result.path} ({result.size:,} bytes, size verified; sha256 {result.sha256})")


async def _interrupted(client: LabelClient, out: Output, job_id: str) -> ExitCode:
    if not can_ask():
        out.warn(
            f"interrupted: job {job_id} is still running (not cancelled: no terminal to ask on). "
            f"Cancel it with: labels cancel {job_id}"
        )
        return ExitCode.INTERRUPTED
    if not ask_yes_no(out.stderr, f"Cancel job {job_id} on the server?"):
        out.warn(f"job {job_id} left running; check it with: labels status {job_id}")
        return ExitCode.INTERRUPTED
    final = await client.cancel(job_id)
    out.warn(f"job {job_id} cancelled")
    _report(out, final)
    return ExitCode.CANCELLED


def _report(out: Output, current: JobStatus) -> None:
    out.result(dict(current.raw), _status_lines(current))


def _status_lines(s: JobStatus) -> list[str]:
    state = "cancelled" if s.is_cancelled else s.status
    lines = [f"job {s.job_id}: {state}"]
    if s.total_items or s.processed_items:
        lines.append(f"  items     {s.processed_items:,} of {s.total_items:,} ({s.progress_percent}%)")
    if s.output_filename:
        lines.append(f"  file      {s.output_filename} ({s.file_size_bytes:,} bytes)")
    if s.download_url and s.expires_at:
        lines.append(f"  link      valid until {s.expires_at.isoformat()}")
    if s.error:
        lines.append(f"  error     {s.error}")
    return lines
