"""Our services on this machine: the one place that knows how the API and the render replicas are
started locally, and with which environment. `make run`, the tests (session fixtures and the
fault rig) and the benchmarks all start them through here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from devtools.endpoints import StackEndpoints
from devtools.services import ServiceProcess

# Tansu makes a joining member wait half the session timeout before the group settles: local
# runs use 3 s (1.5 s per join) instead of the production 10 s.
LOCAL_KAFKA: Mapping[str, str] = {"KAFKA_SESSION_TIMEOUT_MS": "3000", "KAFKA_HEARTBEAT_INTERVAL_MS": "500"}


def service_env(
    endpoints: StackEndpoints, *, group_prefix: str | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment every local service gets: the stack's endpoints, fast group joins, and,
    with `group_prefix`, consumer groups of its own (so runs sharing a broker never mix)."""
    env = {**endpoints.as_env(), **LOCAL_KAFKA, "LOG_LEVEL": "INFO"}
    if group_prefix is not None:
        env |= {
            "RENDER_PLANNER_GROUP_ID": f"{group_prefix}-planner",
            "RENDER_WORKER_GROUP_ID": f"{group_prefix}-worker",
            "PROJECTION_GROUP_ID": f"{group_prefix}-projection",
        }
    return env | dict(extra or {})


class Services:
    """The API and named render replicas of one environment, as child processes (by PID).

    A replica keeps its name across restarts (like a pod name): it is its RENDER_INSTANCE_ID.
    """

    def __init__(self, *, env: Mapping[str, str], log_dir: Path) -> None:
        self.env = dict(env)
        self.log_dir = log_dir
        self.renders: dict[str, ServiceProcess] = {}
        self._api: ServiceProcess | None = None

    def api(self, *, port: int | None = None, env: Mapping[str, str] | None = None) -> ServiceProcess:
        if self._api is None:
            self._api = ServiceProcess(
                module="api_service",
                name="api",
                env={**self.env, "API_HOST": "127.0.0.1", **(env or {})},
                log_dir=self.log_dir,
                port_var="API_PORT",
                port=port,
            )
        return self._api

    def render(
        self, name: str, *, port: int | None = None, env: Mapping[str, str] | None = None
    ) -> ServiceProcess:
        if name not in self.renders:
            self.renders[name] = ServiceProcess(
                module="render_service",
                name=name,
                env={**self.env, "RENDER_INSTANCE_ID": name, **(env or {})},
                log_dir=self.log_dir,
                port_var="RENDER_HTTP_PORT",
                port=port,
            )
        return self.renders[name]

    def all(self) -> list[ServiceProcess]:
        return [*([self._api] if self._api else []), *self.renders.values()]

    async def stop_all(self, *, grace: float = 30) -> None:
        """Render replicas first (they finish or hand back their chunks), then the API."""
        await asyncio.gather(*(r.stop(grace=grace) for r in self.renders.values()), return_exceptions=True)
        if self._api is not None:
            await self._api.stop(grace=grace)
