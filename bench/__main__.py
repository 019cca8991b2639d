"""`make bench` = `python -m bench`: the per-core render benchmark, the sheet-PDF benchmark, then
the system benchmark, each writing JSON to bench/results/ and printing a table.

    python -m bench                          # everything, full sizes (~30 min on 2 cores)
    python -m bench --quick                  # smoke run of all three (~3 min)
    python -m bench --only system --sizes 100k,1M
    python -m bench --only render            # or: pdf

Options it does not know go to the system benchmark (`python bench/system_bench.py --help`).
Exit status: 0 when every part ran and met its targets, 1 when a target was missed, 2 when a part
failed to run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("render", "pdf", "system")


def run_script(name: str, args: list[str]) -> int:
    """Run a benchmark script; its exit status, or 2 when it crashed (a traceback on stderr)."""
    command = [sys.executable, str(ROOT / "bench" / name), *args]
    print(f"$ {' '.join([Path(sys.executable).name, 'bench/' + name, *args])}", flush=True)
    done = subprocess.run(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(done.stderr)
    if done.returncode and "Traceback (most recent call last)" in done.stderr:
        return 2
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n\n")[0],
        epilog="Other options are passed to the system benchmark.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run only this part (repeatable; default: all three in order)",
    )
    parser.add_argument("--sizes", help="system bench: DataMatrix PNG job sizes, e.g. 100k,1M")
    args, rest = parser.parse_known_args(argv)
    parts = [p for p in PARTS if not args.only or p in args.only]

    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for part in parts:
        print(f"\n=== {part} benchmark ===", flush=True)
        if part == "render":
            code = run_script("render_bench.py", ["--seconds", "0.3"] if args.quick else [])
        elif part == "pdf":
            code = run_script(
                "pdf_bench.py", ["--labels", "2000", "--reportlab-labels", "500"] if args.quick else []
            )
        else:
            from bench import system_bench

            system_args = list(rest)
            if args.quick:
                system_args.insert(0, "--quick")
            if args.sizes:
                system_args += ["--sizes", args.sizes]
            print(f"$ {Path(sys.executable).name} bench/system_bench.py {' '.join(system_args)}", flush=True)
            try:
                code = system_bench.main(system_args)
            except SystemExit as exc:  # argparse errors
                code = int(exc.code or 0)
        outcomes[part] = code

    print(f"\n=== summary ({time.perf_counter() - started:.0f} s) ===")
    meaning = {0: "ok, targets met", 1: "ran, some target missed", 2: "failed to run"}
    for part, code in outcomes.items():
        print(f"{part:<8} exit {code}: {meaning.get(code, 'failed to run')}")
    print("results: bench/results/")
    worst = max(outcomes.values(), default=0)
    return worst if worst in (0, 1) else 2


if __name__ == "__main__":
    raise SystemExit(main())
