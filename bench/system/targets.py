"""The results checked against the targets: one row per measure."""

from __future__ import annotations

from typing import Any

from bench.system.context import Context


def evaluate(ctx: Context) -> list[dict[str, Any]]:
    r = ctx.results
    jobs: list[dict[str, Any]] = r.get("large_jobs", [])
    rows: list[dict[str, Any]] = []

    def row(
        measure: str, value: float | None, unit: str, target: str, ok: bool | None, note: str = ""
    ) -> None:
        rows.append(
            {
                "measure": measure,
                "value": value,
                "unit": unit,
                "target": target,
                "verdict": "SKIP" if ok is None or value is None else ("PASS" if ok else "FAIL"),
                "note": note,
            }
        )

    def find(config: str, kind: str, n: int) -> dict[str, Any] | None:
        return next(
            (j for j in jobs if j["config"] == config and j["kind"] == kind and j["items"] == n), None
        )

    configs = [c.key for c in ctx.opts.configs + ctx.opts.reference]
    for job in jobs:
        runs = job.get("runs_wall_seconds", [])
        row(
            f"{job['export']} {job['items']:,}, {job['config']} wall",
            job["wall_seconds"],
            "s",
            "",
            None,
            f"{job['items_per_second']:,.0f} items/s"
            + (f"; median of {', '.join(f'{w:g}' for w in runs)}" if len(runs) > 1 else "")
            + (f"; DISTURBED ({job['http_retries']} HTTP retries)" if job.get("http_retries") else ""),
        )
    two = next((c for c in ctx.opts.configs if c.replicas == 2), None)
    one = next((c for c in ctx.opts.configs if c.replicas == 1 and (two is None or c.pool == two.pool)), None)
    largest = max(ctx.opts.sizes) if ctx.opts.sizes else None

    # 1M DataMatrix PNG with 2 replicas <= 5 min.
    big = find(two.key, "png", 1_000_000) if two else None
    row(
        "1M DataMatrix PNG, 2 replicas",
        big["wall_seconds"] if big else None,
        "s",
        "<= 300",
        big["wall_seconds"] <= 300 if big else None,
        "" if big else "1M not in --sizes",
    )

    # 1M thermal labels (ZPL, native DataMatrix) with 2 replicas: reported; memory checked below.
    zpl = find(two.key, "zpl", 1_000_000) if two else None
    row(
        "1M ZPL thermal labels, 2 replicas",
        zpl["wall_seconds"] if zpl else None,
        "s",
        "(info)",
        None,
        f"{zpl['items_per_second']:,.0f} labels/s, {zpl['file_size_mb']} MB"
        if zpl
        else "1M not in --zpl-sizes",
    )

    # Peak RSS of each replica during the largest PNG job and the largest ZPL job (1M in the full
    # run), every config: memory must not grow with the job ((bounded memory) in docs/invariants.md).
    largest_zpl = max(ctx.opts.zpl_sizes) if ctx.opts.zpl_sizes else None
    for kind, n, name in (("png", largest, "PNG"), ("zpl", largest_zpl, "ZPL")):
        rss = [
            (j["config"], replica, v)
            for j in jobs
            if j["kind"] == kind and j["items"] == n
            for replica, v in j["replica_peak_rss_mb"].items()
        ]
        worst = max(rss, key=lambda t: t[2]) if rss else None
        row(
            f"replica peak RSS during {n:,} {name}" if n else f"replica peak RSS ({name})",
            worst[2] if worst else None,
            "MB",
            "<= 300",
            worst[2] <= 300 if worst else None,
            f"worst: {worst[1]}; tree incl. pool workers" if worst else "",
        )

    # Speedup 2 over 1 replica on 100k (or the smallest size).
    base_n = 100_000 if 100_000 in ctx.opts.sizes else largest
    if one and two and base_n:
        a, b = find(one.key, "png", base_n), find(two.key, "png", base_n)
        speed = round(a["wall_seconds"] / b["wall_seconds"], 2) if a and b else None
        row(
            f"speedup {two.key} over {one.key}, PNG {base_n:,}",
            speed,
            "x",
            ">= 1.6",
            speed >= 1.6 if speed else None,
            "pool size per replica equal: a replica = one core",
        )
        for kind in ("pdf",):
            for n in ctx.opts.pdf_sizes:
                a, b = find(one.key, kind, n), find(two.key, kind, n)
                if a and b:
                    row(
                        f"speedup {two.key} over {one.key}, PDF {n:,}",
                        round(a["wall_seconds"] / b["wall_seconds"], 2),
                        "x",
                        "(info)",
                        None,
                    )
        for ref in ctx.opts.reference:
            a = find(ref.key, "png", base_n)
            b = find(two.key, "png", base_n)
            if a and b:
                row(
                    f"speedup {two.key} over {ref.key} (same CPU), PNG {base_n:,}",
                    round(a["wall_seconds"] / b["wall_seconds"], 2),
                    "x",
                    "(info)",
                    None,
                )

    small = r.get("small_jobs")
    row(
        "small-job latency p50",
        small["p50_s"] if small else None,
        "s",
        "<= 1",
        small["p50_s"] <= 1 if small else None,
        f"{small['jobs']} jobs x {small['items_per_job']} items" if small else "",
    )
    row(
        "small-job latency p95",
        small["p95_s"] if small else None,
        "s",
        "<= 2",
        small["p95_s"] <= 2 if small else None,
    )

    fair = r.get("fairness")
    under_load = fair is not None and fair["b_jobs_done_while_a_open"] == fair["jobs"]
    row(
        "fairness: B small-job p50 while A's big job runs",
        fair["p50_s"] if fair else None,
        "s",
        "<= 1",
        fair["p50_s"] <= 1 and under_load if fair else None,
        (
            f"B {fair['jobs']} x {fair['items_per_job']} items, p95 {fair['p95_s']} s; A {fair['a_items']:,} "
            f"items in {fair['a_wall_s']} s; {fair['b_jobs_done_while_a_open']}/{fair['jobs']} B jobs done "
            f"while A ran{'' if under_load else ' (FAIL: not all under load)'}"
        )
        if fair
        else "--fairness-size 0",
    )

    for state, res in (r.get("status") or {}).items():
        row(
            f"status GET {state}: throughput",
            res["ok_requests_per_s"],
            "req/s",
            ">= 1500",
            res["ok_requests_per_s"] >= 1500,
            f"median of {res['runs']} x {res['seconds_per_run']:g} s, {res['tool']}, {res['errors']} errors",
        )
        row(
            f"status GET {state}: p99",
            res["p99_ms"],
            "ms",
            "<= 50",
            res["p99_ms"] <= 50,
            f"p50 {res['p50_ms']} ms; API {res['api_cpu_percent']}% of a core, "
            f"PG {res['postgres_cpu_percent']}%, "
            f"other load {res['unattributed_cpu_percent']}% of the machine",
        )
    del configs
    return rows
