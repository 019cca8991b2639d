"""The PostgreSQL part. Three sources, first that applies:

1. `url` given (DATABASE_URL): used as is, only waited for.
2. The machine's server on 127.0.0.1:5432 (trust auth, docs/design.md#local-infrastructure). If it does not
answer and
   Debian's cluster tools exist, it is started with `pg_ctlcluster --skip-systemctl-redirect
   <newest version in /etc/postgresql> main start` (no systemd in containers/CI).
   It is never stopped by us, even when we started it: it is a machine service that other
   sessions on the same machine (other test runs, other developers) use at the same time.
3. Neither exists: the `pgserver` wheel (imported only here; not a dependency of the project)
   runs a private server in the data dir on a unix socket only, stopped again by `stop()`.

Then the database is created if missing (connecting to the `postgres` database), and
`SELECT 1` must succeed in it. Measured here: connect + SELECT 1 on the machine server ~5 ms.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from devtools.errors import DevstackError
from devtools.waiting import wait_until_ready

log = logging.getLogger(__name__)

MACHINE_URL = "postgresql://postgres@127.0.0.1:5432/{database}"
_CONNECT_TIMEOUT = 3.0
_CLUSTER_CONFIG_DIR = Path("/etc/postgresql")


def with_database(url: str, database: str) -> str:
    """`url` pointing at another database on the same server (query string, e.g. a unix
    socket `?host=`, kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def database_of(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise DevstackError(f"database URL names no database: {url}")
    return name


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _select_one(url: str) -> None:
    conn = await asyncpg.connect(url, timeout=_CONNECT_TIMEOUT)
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


async def _database_exists(url: str) -> bool:
    """True if the database answers SELECT 1, False if the server says it does not exist;
    any other failure (server down, auth) raises, so the readiness loop retries it."""
    try:
        await _select_one(url)
    except asyncpg.InvalidCatalogNameError:
        return False
    return True


async def _create_database(url: str) -> bool:
    """Create the database `url` names; False if someone else created it first."""
    database = database_of(url)
    conn = await asyncpg.connect(with_database(url, "postgres"), timeout=_CONNECT_TIMEOUT)
    try:
        await conn.execute(f"CREATE DATABASE {_quote_ident(database)}")
    except asyncpg.DuplicateDatabaseError:
        return False
    finally:
        await conn.close()
    return True


def _newest_cluster_version() -> str | None:
    if shutil.which("pg_ctlcluster") is None or not _CLUSTER_CONFIG_DIR.is_dir():
        return None
    versions = [p.name for p in _CLUSTER_CONFIG_DIR.iterdir() if (p / "main").is_dir()]
    numeric = sorted((v for v in versions if v.replace(".", "").isdigit()), key=lambda v: float(v))
    return numeric[-1] if numeric else None


class PostgresPart:
    name = "postgres"

    def __init__(
        self,
        *,
        database: str,
        data_dir: Path,
        url: str | None = None,
        ready_timeout: float = 30.0,
        drop_database_on_stop: bool = False,
    ) -> None:
        self.database = database_of(url) if url else database
        self.data_dir = data_dir
        self.given_url = url
        self.ready_timeout = ready_timeout
        self.drop_database_on_stop = drop_database_on_stop
        self._url: str | None = None
        self._log_path: Path | None = None
        self._pgserver: Any = None  # pgserver.PostgresServer when we run our own
        self.created_database = False

    @property
    def url(self) -> str:
        if self._url is None:
            raise DevstackError("postgres part not started")
        return self._url

    @property
    def pid(self) -> int | None:
        """PID of the server only when we run it ourselves (pgserver); None otherwise."""
        return int(self._pgserver.get_pid()) if self._pgserver is not None else None

    @property
    def managed(self) -> bool:
        return self._pgserver is not None

    async def start(self) -> None:
        if self._url is None:
            self._url = await self._locate_server()
        url = self._url
        exists = await wait_until_ready(
            f"PostgreSQL ({urlsplit(url).netloc or url})",
            lambda: _database_exists(url),
            within=self.ready_timeout,
            log_path=self._log_path,
        )
        if not exists:
            self.created_database = await _create_database(url)
            await _select_one(url)
        log.info("postgres ready: %s%s", url, " (database created)" if self.created_database else "")

    async def _locate_server(self) -> str:
        if self.given_url:
            return self.given_url
        machine_url = MACHINE_URL.format(database=self.database)
        if await self._answers(machine_url):
            return machine_url
        version = _newest_cluster_version()
        if version is not None:
            await self._start_machine_cluster(version)
            self._log_path = Path(f"/var/log/postgresql/postgresql-{version}-main.log")
            return machine_url
        return await self._start_pgserver()

    @staticmethod
    async def _answers(url: str) -> bool:
        try:
            await _database_exists(url)
        except Exception:  # refused, timed out, starting up, auth...: not usable as it is
            return False
        return True

    @staticmethod
    async def _start_machine_cluster(version: str) -> None:
        argv = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
        log.info("machine PostgreSQL not answering; running %s", " ".join(argv))
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await proc.communicate()
        # Exit code 2 = "already running": it may just have been slow to answer.
        if proc.returncode not in (0, 2):
            text = output.decode(errors="replace")
            raise DevstackError(f"{' '.join(argv)} failed ({proc.returncode}): {text}")

    async def _start_pgserver(self) -> str:
        try:
            import pgserver
        except ImportError as exc:
            raise DevstackError(
                "no PostgreSQL on 127.0.0.1:5432, no Debian cluster to start, and the `pgserver` "
                "wheel is not installed (pip install pgserver), or set DATABASE_URL"
            ) from exc
        pgdata = self.data_dir / "pgdata"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        log.info("no machine PostgreSQL; starting pgserver in %s", pgdata)
        # initdb + pg_ctl start block for seconds: keep them off the event loop.
        self._pgserver = await asyncio.to_thread(pgserver.get_server, pgdata, cleanup_mode="stop")
        self._log_path = pgdata / "log"
        return str(self._pgserver.get_uri(self.database))

    async def stop(self) -> None:
        if self._url is not None and self.drop_database_on_stop and self.created_database:
            await self._drop_database(self._url)
        if self._pgserver is not None:
            await asyncio.to_thread(self._pgserver.cleanup)
            self._pgserver = None
            self._url = None

    async def _drop_database(self, url: str) -> None:
        try:
            conn = await asyncpg.connect(with_database(url, "postgres"), timeout=_CONNECT_TIMEOUT)
            try:
                # FORCE (PG 13+) ends sessions the tests left open instead of failing.
                await conn.execute(f"DROP DATABASE IF EXISTS {_quote_ident(self.database)} WITH (FORCE)")
            finally:
                await conn.close()
            self.created_database = False
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("could not drop database %s: %s", self.database, exc)
