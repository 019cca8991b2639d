"""`make run`: the whole system on this machine, in the foreground until Ctrl-C.

Starts the stack (PostgreSQL, Tansu, SeaweedFS), applies migrations, starts the API and two
render workers as child processes, seeds the demo organization, prints the API URL and a fresh
key and writes them to `.run/demo.env`. Ctrl-C or SIGTERM stops everything it started, by PID.

Ports: API_PORT (8080), RENDER_PORTS ("8081,8082"), DEVSTACK_KAFKA_PORT, DEVSTACK_S3_PORT.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys

from devtools.paths import default_data_dir, run_dir
from devtools.services import ServiceProcess
from devtools.stack import LocalStack, StackOptions
from devtools.supervise import supervise
from devtools.system import Services, service_env
from shared.db.migrate import migrate

log = logging.getLogger("make-run")


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
        services = Services(env=service_env(endpoints), log_dir=logs)
        api = services.api(port=api_port)
        workers = [services.render(f"render-{n}", port=port) for n, port in enumerate(render_ports, start=1)]
        started: list[ServiceProcess] = []
        try:
            for service in (api, *workers):
                await service.start()
                started.append(service)
            api_url = f"http://127.0.0.1:{api_port}"
            demo_env = run_dir() / "demo.env"
            seeded = await _seed_demo(
                database_url=endpoints.database_url, env_file=str(demo_env), api_url=api_url
            )
            print(
                f"\nLabel export is running.\n  API_URL={api_url}\n{seeded}\n"
                f"  logs in {logs}/\nPress Ctrl-C to stop.\n",
                flush=True,
            )
            await supervise(stop, started)
        finally:
            print("stopping…", flush=True)
            for service in reversed(started):
                await service.stop()
    return 0


async def _seed_demo(*, database_url: str, env_file: str, api_url: str) -> str:
    """Run the admin CLI's seed-demo as a child process; returns what it printed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api_service.admin_cli",
        "seed-demo",
        "--env-file",
        env_file,
        "--api-url",
        api_url,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"seed-demo exited with {proc.returncode}:\n{text}")
    return "\n".join(f"  {line}" for line in text.splitlines())


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(asyncio.run(run()))


if __name__ == "__main__":
    main()
