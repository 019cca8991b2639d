"""`make run`: the whole system on this machine, in the foreground until Ctrl-C.

Starts the stack (PostgreSQL, Tansu, SeaweedFS), applies migrations, starts the API and two
render workers as child processes, seeds the demo organization, prints the API URL and a fresh
key and writes them to `.run/demo.env`. Ctrl-C or SIGTERM stops everything it started, by PID.

Ports: API_PORT (8080), RENDER_PORTS ("8081,8082"), DEVSTACK_KAFKA_PORT, DEVSTACK_S3_PORT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

import asyncpg

from api_service.admin_cli import ensure_demo
from devtools.paths import default_data_dir, run_dir
from devtools.services import ServiceProcess
from devtools.stack import LocalStack, StackOptions
from shared.db.migrate import migrate

log = logging.getLogger("make-run")

# Local runs use short group timeouts: Tansu makes a joining member wait half the session timeout.
LOCAL_KAFKA = {"KAFKA_SESSION_TIMEOUT_MS": "3000", "KAFKA_HEARTBEAT_INTERVAL_MS": "500"}


async def run() -> int:
    api_port = int(os.environ.get("API_PORT", "8080"))
    render_ports = [int(p) for p in os.environ.get("RENDER_PORTS", "8081,8082").split(",")]
    logs = run_dir() / "logs"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async with LocalStack(StackOptions.from_env(data_dir=default_data_dir("run"))) as stack:
        endpoints = stack.endpoints
        await migrate(endpoints.database_url)
        env = {**endpoints.as_env(), **LOCAL_KAFKA}
        api = ServiceProcess(
            module="api_service",
            name="api",
            env={**env, "API_HOST": "127.0.0.1"},
            log_dir=logs,
            port_var="API_PORT",
            port=api_port,
        )
        workers = [
            ServiceProcess(
                module="render_service",
                name=f"render-{n}",
                env={**env, "RENDER_INSTANCE_ID": f"render-{n}"},
                log_dir=logs,
                port_var="RENDER_HTTP_PORT",
                port=port,
            )
            for n, port in enumerate(render_ports, start=1)
        ]
        started: list[ServiceProcess] = []
        try:
            for service in (api, *workers):
                await service.start()
                started.append(service)
            conn = await asyncpg.connect(endpoints.database_url)
            try:
                org, key = await ensure_demo(conn)
            finally:
                await conn.close()
            api_url = f"http://127.0.0.1:{api_port}"
            demo_env = run_dir() / "demo.env"
            demo_env.write_text(f"API_URL={api_url}\nAPI_KEY={key}\n")
            print(
                f"\nLabel export is running.\n  API_URL={api_url}\n  API_KEY={key}\n"
                f"  demo organization {org}; written to {demo_env}\n"
                f"  logs in {logs}/\nPress Ctrl-C to stop.\n",
                flush=True,
            )
            await _watch(stop, started)
        finally:
            print("stopping…", flush=True)
            for service in reversed(started):
                await service.stop()
    return 0


async def _watch(stop: asyncio.Event, services: list[ServiceProcess]) -> None:
    """Wait for Ctrl-C; say so if a service dies meanwhile."""
    while not stop.is_set():
        for service in services:
            if service.proc is not None and service.proc.poll() is not None:
                print(
                    f"{service.name} exited ({service.proc.returncode}):\n{service.log_tail()}",
                    file=sys.stderr,
                )
                return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(asyncio.run(run()))


if __name__ == "__main__":
    main()
