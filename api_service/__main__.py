"""`labels-api`: run the API service."""

from __future__ import annotations

from aiohttp import web

from api_service.app import create_app
from api_service.settings import ApiSettings
from shared.logs import configure_logging


def main() -> None:
    settings = ApiSettings()
    configure_logging(settings.log_level)
    web.run_app(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        access_log=None,
        shutdown_timeout=10,
        print=None,
    )


if __name__ == "__main__":
    main()
