"""Kafka security on real brokers (docs/security.md#kafka).

- SASL: a Tansu started with `--authentication` refuses a client without credentials and one
  with wrong SCRAM-SHA-512 credentials. (This Tansu build cannot store SCRAM credentials, so no
  client can log in to it at all: the positive case is shown over TLS below and by the
  production overlay's KafkaUsers; see devtools/tansu.py.)
- TLS: both services run with KAFKA_SECURITY_PROTOCOL=SSL against a Tansu whose only advertised
  listener is TLS (tests/support/tls_proxy.py): a job completes, which needs every producer and
  consumer of both services to speak TLS and trust KAFKA_SSL_CA_FILE; a client trusting another
  CA, or speaking plain TCP, is refused.

Every refusal ends with a normal job of another organization completing on that TLS system.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from devtools.endpoints import StackEndpoints
from devtools.kafka_admin import client_settings
from devtools.ports import free_port
from devtools.stack import DEFAULT_TOPICS
from devtools.system import Services, service_env
from devtools.tansu import TansuBroker
from shared.kafka import make_consumer, make_producer
from tests.conftest import ARTIFACTS, RUN_ID, make_tenant
from tests.support.api import Api
from tests.support.certs import Certs, make_certs
from tests.support.tls_proxy import TlsProxy

pytestmark = pytest.mark.timeout(240)

SUBMIT = {"scope": "lots", "export_type": "datamatrix", "file_format": "png"}


@dataclass(frozen=True)
class TlsSystem:
    bootstrap_servers: str  # the TLS listener: the only address the broker advertises
    security: Mapping[str, str]  # what the services were started with
    api_url: str
    broker: TansuBroker


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(Path(tmp_path_factory.mktemp("certs")))


@pytest.fixture(scope="module")
async def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TansuBroker]:
    broker = TansuBroker(
        data_dir=Path(tmp_path_factory.mktemp("tansu-sasl")),
        port=free_port(),
        topics=(),
        partitions=1,
        authentication=True,
    )
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


@pytest.fixture(scope="module")
async def tls_system(
    tmp_path_factory: pytest.TempPathFactory, certs: Certs, endpoints: StackEndpoints
) -> AsyncIterator[TlsSystem]:
    """A Tansu behind TLS, and the API and a render replica speaking only TLS to it (the stack's
    PostgreSQL and S3)."""
    plain_port, tls_port = free_port(), free_port()
    proxy = TlsProxy(port=tls_port, upstream_port=plain_port, cert=certs.server_cert, key=certs.server_key)
    await proxy.start()
    security = {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CA_FILE": str(certs.ca)}
    broker = TansuBroker(
        data_dir=Path(tmp_path_factory.mktemp("tansu-tls")),
        port=plain_port,
        advertised_port=tls_port,
        client_security=security,
        topics=DEFAULT_TOPICS,
        partitions=2,
    )
    await broker.start()
    env = service_env(endpoints, group_prefix=f"tls-{RUN_ID}", extra={"RENDER_POOL_SIZE": "1", **security})
    env["KAFKA_BOOTSTRAP_SERVERS"] = broker.advertised_servers
    services = Services(env=env, log_dir=ARTIFACTS / RUN_ID / "tls")
    api = services.api()
    try:
        await api.start()
        await services.render("render-tls").start()
        yield TlsSystem(broker.advertised_servers, security, api.url, broker)
    finally:
        await services.stop_all()
        await broker.stop()
        await proxy.stop()


async def a_normal_job_of_another_organization_completes(system: TlsSystem, db: asyncpg.Pool) -> None:
    tenant = await make_tenant(db, f"tls-{uuid.uuid4().hex[:8]}")
    async with aiohttp.ClientSession() as session:
        api = Api(session, system.api_url, tenant)
        product = await api.product("09506000134352")
        await api.lots(product["id"], [{"lot_number": "TLS1", "expiry_date": "2030-01-31"}])
        receipt = await api.submit(SUBMIT)
        assert receipt.status == 202, receipt.body
        status = await api.wait_terminal(receipt.body["job_id"], timeout=90)
    assert status["status"] == "completed", status
    assert status["total_items"] == 1


async def refused(security: Mapping[str, str], bootstrap_servers: str) -> BaseException:
    """Start a producer with these settings; return what stopped it (fails if it connected)."""
    producer = make_producer(client_settings(bootstrap_servers, security), request_timeout_ms=3000)
    try:
        await asyncio.wait_for(producer.start(), 20)
    except Exception as exc:
        return exc
    finally:
        await producer.stop()
    raise AssertionError(f"a client with {dict(security)} connected to {bootstrap_servers}")


async def test_sasl_broker_refuses_a_client_without_credentials(
    sasl_broker: TansuBroker, tls_system: TlsSystem, db: asyncpg.Pool
) -> None:
    error = await refused({}, sasl_broker.bootstrap_servers)
    assert isinstance(error, KafkaConnectionError), repr(error)
    # The broker closed the connection because the metadata request came before any SASL.
    assert "NotAuthenticated" in sasl_broker.log_path.read_text()
    await a_normal_job_of_another_organization_completes(tls_system, db)


async def test_sasl_broker_refuses_wrong_scram_credentials(
    sasl_broker: TansuBroker, tls_system: TlsSystem, db: asyncpg.Pool
) -> None:
    wrong = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "labels-api",
        "KAFKA_SASL_PASSWORD": "not-the-password",
    }
    # The server's final SCRAM message is an error (e=...), not a signature (v=...): aiokafka
    # gives up on it (as a KeyError of that missing 'v'), before sending any Kafka request.
    error = await refused(wrong, sasl_broker.bootstrap_servers)
    assert isinstance(error, (KafkaConnectionError, KeyError)), repr(error)
    await a_normal_job_of_another_organization_completes(tls_system, db)


async def test_both_services_complete_a_job_over_tls(tls_system: TlsSystem, db: asyncpg.Pool) -> None:
    # Relay, planner, chunk worker, emitter and projection: each one's client had to connect
    # through the only listener there is, the TLS one.
    await a_normal_job_of_another_organization_completes(tls_system, db)
    # And our client settings carry a message both ways over it.
    settings = client_settings(tls_system.bootstrap_servers, tls_system.security)
    producer = make_producer(settings)
    await producer.start()
    try:
        sent = await producer.send_and_wait("label-export.dlq", b"over tls", key=b"tls-check")
    finally:
        await producer.stop()
    consumer = make_consumer(settings, group_id=None)
    await consumer.start()
    try:
        tp = TopicPartition("label-export.dlq", sent.partition)
        consumer.assign([tp])
        consumer.seek(tp, sent.offset)
        record = await asyncio.wait_for(consumer.getone(), 10)
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"tls-check", b"over tls")


async def test_tls_listener_refuses_an_untrusted_certificate_and_plain_tcp(
    tls_system: TlsSystem, certs: Certs, db: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    trusting_another_ca = {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CA_FILE": str(certs.other_ca)}
    assert isinstance(await refused(trusting_another_ca, tls_system.bootstrap_servers), KafkaConnectionError)
    assert "certificate verify failed" in caplog.text  # refused for the certificate, not by chance
    assert isinstance(await refused({}, tls_system.bootstrap_servers), KafkaConnectionError)
    await a_normal_job_of_another_organization_completes(tls_system, db)
