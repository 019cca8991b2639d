"""Closed-loop HTTP GET load on one URL (127.0.0.1 only), with an X-API-Key header.

`wrk` (C, one thread, keep-alive) when it is installed — it costs the machine far less CPU than
the Python server it loads; otherwise an asyncio aiohttp client. Both report requests/s of
successful (2xx/3xx) answers, the count of other answers, and latency percentiles.

Closed loop: `connections` requests are always outstanding, so by Little's law the mean latency
is connections / throughput. The concurrency must be high enough to keep the server busy, and no
higher, or the latency figures measure the queue the load generator builds.
"""

from __future__ import annotations

import asyncio
import json
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

WRK_SCRIPT = """
wrk.method = "GET"
wrk.headers["X-API-Key"] = "%(key)s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"status_errors":%%d,'
    .. '"connect_errors":%%d,"read_errors":%%d,"write_errors":%%d,"timeouts":%%d,'
    .. '"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d,"mean_us":%%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load generation is for loopback only, not {host}")


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, api_key: str, *, seconds: float, connections: int, threads: int = 1) -> dict[str, Any]:
    _check_loopback(url)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % {"key": api_key})
        script = f.name
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "5s",
                "-s",
                script,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        Path(script).unlink(missing_ok=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = (
        raw["status_errors"]
        + raw["connect_errors"]
        + raw["read_errors"]
        + raw["write_errors"]
        + raw["timeouts"]
    )
    ok = raw["requests"] - raw["status_errors"]
    return {
        "tool": f"wrk -t{threads} -c{connections}",
        "connections": connections,
        "seconds": round(seconds_run, 2),
        "requests": raw["requests"],
        "errors": errors,
        "ok_requests_per_s": round(ok / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "loadgen_cpu_seconds": round(wrk_cpu, 2),
    }


async def run_aiohttp(url: str, api_key: str, *, seconds: float, connections: int) -> dict[str, Any]:
    """Fallback: `connections` asyncio workers on one keep-alive session."""
    _check_loopback(url)
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    cpu_before = time.process_time()
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers={"X-API-Key": api_key}) as http:

        async def worker() -> None:
            nonlocal errors
            while (start := time.perf_counter()) < stop_at:
                try:
                    async with http.get(url) as resp:
                        await resp.read()
                        ok = resp.status < 400
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - start)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2)
            if latencies
            else 0.0
        )

    return {
        "tool": f"aiohttp client, {connections} connections",
        "connections": connections,
        "seconds": round(elapsed, 2),
        "requests": len(latencies) + errors,
        "errors": errors,
        "ok_requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else 0.0,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0.0,
        "loadgen_cpu_seconds": round(time.process_time() - cpu_before, 2),
    }


async def get_load(
    url: str, api_key: str, *, seconds: float, connections: int, tool: str = "auto"
) -> dict[str, Any]:
    if tool == "wrk" or (tool == "auto" and have_wrk()):
        return await asyncio.to_thread(run_wrk, url, api_key, seconds=seconds, connections=connections)
    return await run_aiohttp(url, api_key, seconds=seconds, connections=connections)
