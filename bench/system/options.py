"""The system benchmark's command line, parsed into `Options`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.system.constants import REPEAT_UP_TO, ROOT

DESCRIPTION = "System benchmark: the whole service pair on a real local stack, end to end over HTTP."


@dataclass(frozen=True)
class ReplicaConfig:
    replicas: int
    pool: int

    @classmethod
    def parse(cls, text: str) -> ReplicaConfig:
        replicas, _, pool = text.lower().partition("x")
        return cls(int(replicas), int(pool or 1))

    @property
    def key(self) -> str:
        return f"{self.replicas}x{self.pool}"

    @property
    def label(self) -> str:
        s = "s" if self.replicas > 1 else ""
        return f"{self.replicas} replica{s} x pool {self.pool}"


@dataclass
class Options:
    sizes: list[int]
    pdf_sizes: list[int]
    zpl_sizes: list[int]
    configs: list[ReplicaConfig]
    reference: list[ReplicaConfig]
    small_jobs: int
    small_items: int
    fairness_size: int
    fairness_jobs: int
    status_seconds: float
    status_connections: int
    status_tool: str
    status_repeats: int
    job_repeats: int
    job_timeout: float | None
    env: dict[str, str]
    py_spy: bool
    api_db_params: str
    quick: bool
    out: Path


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def parse_args(argv: Sequence[str] | None = None) -> Options:
    p = argparse.ArgumentParser(prog="python -m bench --only system", description=DESCRIPTION)
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run of the benchmark itself")
    p.add_argument("--sizes", help="DataMatrix PNG job sizes (default 100k,1M; quick 2000,10000)")
    p.add_argument("--pdf-sizes", help="sheet-PDF job sizes (default 100k; quick 2000); '' for none")
    p.add_argument(
        "--zpl-sizes",
        help="thermal-label ZPL job sizes, native DataMatrix (default 1M; quick 2000); '' for none",
    )
    p.add_argument("--configs", help="replica configs REPLICASxPOOL run with every size (default 2x1,1x1)")
    p.add_argument("--reference", help="configs run with the smallest sizes only (default 1x2); '' for none")
    p.add_argument("--small-jobs", type=int, help="small jobs for the latency figure (default 30; quick 5)")
    p.add_argument("--small-items", type=int, default=10, help="items per small job (default 10)")
    p.add_argument(
        "--fairness-size",
        help="items of organization A's job while B runs small jobs "
        "(default 200k; quick the largest size); 0 for none",
    )
    p.add_argument(
        "--fairness-jobs", type=int, help="organization B's 10-item jobs during A's job (default 10; quick 5)"
    )
    p.add_argument(
        "--status-seconds", type=float, help="seconds per status measurement (default 10; quick 3)"
    )
    p.add_argument(
        "--status-connections", type=int, default=16, help="load-generator connections (default 16)"
    )
    p.add_argument("--status-tool", choices=("auto", "wrk", "aiohttp"), default="auto")
    p.add_argument(
        "--status-repeats", type=int, help="runs per status measurement, median reported (default 3; quick 1)"
    )
    p.add_argument(
        "--job-repeats",
        type=int,
        help=f"runs of each job of <= {REPEAT_UP_TO:,} items, median kept (default 3; quick 1)",
    )
    p.add_argument("--job-timeout", type=float, help="seconds a large job may take (default 120 + n/400)")
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="extra environment for the API and the replicas (repeatable), e.g. RENDER_CHUNK_SIZE=10000",
    )
    p.add_argument(
        "--py-spy",
        action="store_true",
        help="record py-spy profiles of the replicas (largest PNG job) and of the API (status load)",
    )
    p.add_argument(
        "--api-db-params",
        default="",
        metavar="K=V&...",
        help="experiment: query parameters appended to the API's DATABASE_URL only (asyncpg sends "
        "unknown ones as server settings), e.g. synchronous_commit=off",
    )
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    a = p.parse_args(argv)

    def sizes(value: str | None, default: str, quick: str) -> list[int]:
        text = value if value is not None else (quick if a.quick else default)
        return [parse_size(s) for s in text.split(",") if s.strip()]

    def configs(value: str | None, default: str, quick: str) -> list[ReplicaConfig]:
        text = value if value is not None else (quick if a.quick else default)
        return [ReplicaConfig.parse(s) for s in text.split(",") if s.strip()]

    quick_sizes = sizes(a.sizes, "100k,1M", "2000,10000") or [2000]
    env = {}
    if a.quick:
        # Small jobs must still fan out over chunks and replicas, as the big ones do.
        env["RENDER_CHUNK_SIZE"] = "2500"
    for item in a.env:
        var, sep, value = item.partition("=")
        if not sep:
            p.error(f"--env {item!r}: expected VAR=VALUE")
        env[var] = value
    return Options(
        sizes=sizes(a.sizes, "100k,1M", "2000,10000"),
        pdf_sizes=sizes(a.pdf_sizes, "100k", "2000"),
        zpl_sizes=sizes(a.zpl_sizes, "1M", "2000"),
        configs=configs(a.configs, "2x1,1x1", "2x1,1x1"),
        reference=configs(a.reference, "1x2", "1x2"),
        small_jobs=a.small_jobs if a.small_jobs is not None else (5 if a.quick else 30),
        small_items=a.small_items,
        fairness_size=parse_size(a.fairness_size or "0")
        if a.fairness_size is not None
        else (max(quick_sizes) if a.quick else 200_000),
        fairness_jobs=a.fairness_jobs if a.fairness_jobs is not None else (5 if a.quick else 10),
        status_seconds=a.status_seconds if a.status_seconds is not None else (3 if a.quick else 10),
        status_connections=a.status_connections,
        status_tool=a.status_tool,
        status_repeats=a.status_repeats if a.status_repeats is not None else (1 if a.quick else 3),
        job_repeats=a.job_repeats if a.job_repeats is not None else (1 if a.quick else 3),
        job_timeout=a.job_timeout,
        env=env,
        py_spy=a.py_spy,
        api_db_params=a.api_db_params,
        quick=a.quick,
        out=a.out,
    )
