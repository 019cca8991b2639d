"""What every measurement works with, and the export requests it submits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.system.api_client import Api
from bench.system.catalog import Catalog
from bench.system.cpu_accounting import postmaster_pid
from bench.system.options import Options
from devtools.services import ServiceProcess
from devtools.stack import LocalStack


@dataclass
class Context:
    opts: Options
    stack: LocalStack
    db: asyncpg.Pool
    catalog: Catalog
    api_proc: ServiceProcess
    api: Api
    env: dict[str, str]
    logs: Path
    profiles: Path
    results: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def infra_roots(self) -> dict[str, int]:
        roots = {f"infra:{name}": pid for name, pid in self.stack.pids().items()}
        if (pg := postmaster_pid()) is not None:
            roots["infra:postgres-server (all its sessions)"] = pg
        return roots


def small_body(ctx: Context, k: int) -> dict[str, Any]:
    lots = ctx.catalog.small_lots
    return {
        "scope": "serials",
        "export_type": "datamatrix",
        "file_format": "png",
        "filters": {"lot_ids": [str(lots[k % len(lots)])]},
    }


# What each kind of large job exports: (export_type, file_format, the name reports use).
# `zpl` is the thermal-label default: native DataMatrix at 203 dpi on a 50.8 x 25.4 mm label.
BIG_EXPORTS = {
    "png": ("datamatrix", "png", "datamatrix png"),
    "pdf": ("sheet_pdf", "pdf", "sheet_pdf pdf"),
    "zpl": ("thermal_labels", "zpl", "thermal_labels zpl"),
}


def big_body(ctx: Context, kind: str, n: int) -> dict[str, Any]:
    export_type, file_format, _ = BIG_EXPORTS[kind]
    return {
        "scope": "serials",
        "export_type": export_type,
        "file_format": file_format,
        "filters": {"lot_ids": ctx.catalog.lots_for(n)},
    }
