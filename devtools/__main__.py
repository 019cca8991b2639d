"""Command line: `python -m devtools up | exec -- CMD ARGS...`.

up    start the stack, print the endpoint variables (KEY=value, shell-quoted) on stdout and
      write them to .run/stack.env, run until Ctrl-C or SIGTERM, stop everything, remove the file.
exec  start the stack, run CMD with those variables added to the environment, stop the stack,
      exit with CMD's exit code (128+N if a signal N ended it).

Endpoints already in the environment (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT_URL +
S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY) are used instead of starting that part.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from devtools.endpoints import StackEndpoints
from devtools.errors import DevstackError
from devtools.paths import default_data_dir, default_env_file
from devtools.stack import LocalStack, StackOptions

log = logging.getLogger("devtools")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--name",
        help="keep state in .run/devstack/NAME (default: 'default' for up, "
        "'exec' for exec); two stacks can't share one",
    )
    common.add_argument("--data-dir", type=Path, help="state directory (overrides --name)")
    common.add_argument("--database", help="database to create if missing (default: labels)")
    common.add_argument("--topics", help="comma-separated topics to create (default: label-export.*)")
    common.add_argument("--partitions", type=int, help="partitions per created topic (default: 4)")
    common.add_argument("--bucket", help="S3 bucket to create (default: $S3_BUCKET or label-exports)")
    common.add_argument("--kafka-port", type=int, help="default: $DEVSTACK_KAFKA_PORT or a free port")
    common.add_argument("--s3-port", type=int, help="default: $DEVSTACK_S3_PORT or a free port")
    common.add_argument("--timeout", type=float, help="seconds each part may take to answer (default: 30)")
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    parser = argparse.ArgumentParser(
        prog="python -m devtools",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", parents=[common], help="run the stack in the foreground")
    up.add_argument("--env-file", type=Path, help="where to write the variables (default: .run/stack.env)")
    run = commands.add_parser("exec", parents=[common], help="run a command against a fresh stack")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    return parser


def _options(args: argparse.Namespace) -> StackOptions:
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    elif args.name is not None or not os.environ.get("DEVSTACK_DATA_DIR"):
        default_name = "exec" if args.command == "exec" else "default"
        overrides["data_dir"] = default_data_dir(args.name or default_name)
    if args.topics is not None:
        overrides["topics"] = tuple(t.strip() for t in args.topics.split(",") if t.strip())
    simple = {
        "database": args.database,
        "partitions": args.partitions,
        "bucket": args.bucket,
        "kafka_port": args.kafka_port,
        "s3_port": args.s3_port,
        "ready_timeout": args.timeout,
    }
    overrides.update({key: value for key, value in simple.items() if value is not None})
    return StackOptions.from_env(**overrides)


def _env_lines(endpoints: StackEndpoints) -> str:
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in endpoints.as_env().items())


def _write_env_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # Holds the S3 secret: owner-only from creation; renamed into place so readers never see half.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    tmp.replace(path)


def _remove_env_file(path: Path) -> None:
    # Stale endpoints are worse than none: a later `source` would point at dead ports.
    path.unlink(missing_ok=True)


def _on_signals(handler: Callable[[int], None]) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, handler, signum)


async def _start_unless_signalled(stack: LocalStack) -> int | None:
    """Start the stack; a signal during start-up cancels it. Returns the signal, or None."""
    starting = asyncio.ensure_future(stack.start())
    received: list[int] = []

    def cancel(signum: int) -> None:
        received.append(signum)
        starting.cancel()

    _on_signals(cancel)
    try:
        await starting
    except asyncio.CancelledError:
        if not received:
            raise
        return received[0]
    return None


async def _up(stack: LocalStack, env_file: Path) -> int:
    signalled = await _start_unless_signalled(stack)
    if signalled is not None:
        return 128 + signalled
    stop = asyncio.Event()
    _on_signals(lambda _signum: stop.set())
    try:
        text = _env_lines(stack.endpoints)
        _write_env_file(env_file, text)
        sys.stdout.write(text)
        sys.stdout.flush()
        log.info("stack up (pids %s); variables in %s; Ctrl-C or SIGTERM stops it", stack.pids(), env_file)
        await stop.wait()
        log.info("stopping")
    finally:
        _remove_env_file(env_file)
        await stack.stop()
        log.info("stopped")
    return 0


async def _exec(stack: LocalStack, cmd: Sequence[str]) -> int:
    signalled = await _start_unless_signalled(stack)
    if signalled is not None:
        return 128 + signalled
    try:
        try:
            child = await asyncio.create_subprocess_exec(*cmd, env={**os.environ, **stack.endpoints.as_env()})
        except OSError as exc:  # not found / not executable: the shell's conventions
            print(f"devstack: cannot run {cmd[0]}: {exc}", file=sys.stderr)
            return 127 if isinstance(exc, FileNotFoundError) else 126

        def forward(signum: int) -> None:
            # A terminal's Ctrl-C already reached the child (same process group): forwarding
            # SIGINT would deliver it twice. SIGTERM (CI cancelling the job) only reached us.
            if signum != signal.SIGINT and child.returncode is None:
                child.send_signal(signum)

        _on_signals(forward)
        code = await child.wait()
    finally:
        await stack.stop()
    return code if code >= 0 else 128 - code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="devstack %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("aiokafka").setLevel(logging.WARNING)
    try:
        stack = LocalStack(_options(args))
        if args.command == "up":
            return asyncio.run(_up(stack, args.env_file or default_env_file()))
        cmd = list(args.cmd)
        if cmd[:1] == ["--"]:
            cmd = cmd[1:]
        if not cmd:
            _parser().error("exec needs a command: exec -- CMD ARGS...")
        return asyncio.run(_exec(stack, cmd))
    except DevstackError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
