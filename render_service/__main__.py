"""`labels-render`: run one render replica (consumer-group member with a probe endpoint)."""

from __future__ import annotations

from aiohttp import web

from render_service.app import create_app
from render_service.settings import RenderSettings
from shared.logs import configure_logging


def main() -> None:
    settings = RenderSettings()
    configure_logging(settings.log_level)
    web.run_app(
        create_app(settings),
        host=settings.render_http_host,
        port=settings.render_http_port,
        access_log=None,
        shutdown_timeout=5,
        print=None,
    )


if __name__ == "__main__":
    main()
