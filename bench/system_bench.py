"""System benchmark: the whole service pair on a real local stack, end to end over HTTP.

    .venv/bin/python -m bench --only system            # full run (~25 min on 2 cores)
    .venv/bin/python -m bench --only system --quick    # smoke run (~2 min)
    .venv/bin/python bench/system_bench.py --help      # every option

It starts its own LocalStack (PostgreSQL database `labels_bench_<run>`, dropped at the end;
Tansu and SeaweedFS with a data dir under a temp dir), the API as one process and N render
replicas as processes (ServiceProcess, the env of tests/conftest.py), seeds one organization with
bulk SQL (COPY), and measures:

- large jobs: POST -> first poll that sees `completed`, for DataMatrix PNG and sheet-PDF jobs of
  the given sizes, with each replica configuration; a stage breakdown from the database and the
  replica logs; peak RSS/PSS and CPU of every process tree (sampled from /proc every 0.2 s);
- small-job latency: sequential 10-item jobs, polled every 100 ms;
- fairness: a second organization's 10-item jobs while the first one's 200k-item job runs;
- status throughput: GET of a completed and of a pending job's status on one API process, under
  wrk (or an aiohttp client) on 127.0.0.1, authentication and rate limiting included.

Then it prints a table against the targets and writes bench/results/system-<UTC time>.json.
See bench/README.md for what each figure means. The code lives in the `bench/system/` package
(one module per part: options, services, catalog, the three measurements, targets, report);
this file is its entry point.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.system.options import Options, parse_args  # noqa: E402
from bench.system.runner import main, run  # noqa: E402

__all__ = ["Options", "main", "parse_args", "run"]

if __name__ == "__main__":
    raise SystemExit(main())
