"""The Kafka security settings: every wrong combination stops a service at start-up naming the
setting, and the clients shared/kafka.py builds carry exactly what was set (protocol, SASL
mechanism and credentials, an SSL context that trusts KAFKA_SSL_CA_FILE and verifies host names).

The certificates are made by `openssl` (tests/support/certs.py); nothing connects anywhere here:
the real-broker side is tests/e2e/test_kafka_security.py."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared.kafka import make_admin, make_consumer, make_producer
from shared.kafka_security import client_options
from shared.settings import CommonSettings
from tests.support.certs import Certs, make_certs

USER = {"kafka_sasl_username": "labels-api", "kafka_sasl_password": "s3cret-pw"}


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(Path(tmp_path_factory.mktemp("certs")))


def settings(**values: Any) -> CommonSettings:
    # Every security field given, so the developer's environment cannot change the outcome.
    base: dict[str, Any] = {
        "kafka_security_protocol": "PLAINTEXT",
        "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": None,
        "kafka_sasl_password": None,
        "kafka_ssl_ca_file": None,
        "kafka_ssl_cert_file": None,
        "kafka_ssl_key_file": None,
    }
    return CommonSettings(**(base | values))


def refusal(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(**values)
    return str(caught.value)


def test_defaults_are_plaintext_and_scram_sha_512() -> None:
    plain = settings()
    assert (plain.kafka_security_protocol, plain.kafka_sasl_mechanism) == ("PLAINTEXT", "SCRAM-SHA-512")
    assert client_options(plain) == {"security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be set"),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "u", "kafka_sasl_password": ""},
            "KAFKA_SASL_PASSWORD must be set with KAFKA_SECURITY_PROTOCOL=SASL_SSL",
        ),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN", **USER},
            "KAFKA_SASL_MECHANISM=PLAIN sends the password as it is",
        ),
        (USER, "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT"),
        ({"kafka_security_protocol": "TLS"}, "kafka_security_protocol"),
        ({"kafka_sasl_mechanism": "GSSAPI"}, "kafka_sasl_mechanism"),
        ({"kafka_security_protocol": "SSL", "kafka_ssl_ca_file": "/nonexistent/ca.crt"}, "kafka_ssl_ca_file"),
    ],
)
def test_a_wrong_combination_is_refused_naming_the_setting(values: dict[str, Any], named: str) -> None:
    assert named in refusal(**values)


def test_tls_files_without_tls_and_half_a_client_certificate_are_refused(certs: Certs) -> None:
    assert "KAFKA_SSL_CA_FILE set, but KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT does not use TLS" in refusal(
        kafka_security_protocol="SASL_PLAINTEXT", kafka_ssl_ca_file=certs.ca, **USER
    )
    assert "KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together" in refusal(
        kafka_security_protocol="SSL", kafka_ssl_ca_file=certs.ca, kafka_ssl_cert_file=certs.client_cert
    )


def test_a_ca_file_that_is_no_certificate_and_a_key_of_another_certificate_are_refused(certs: Certs) -> None:
    assert "KAFKA_SSL_CA_FILE" in refusal(kafka_security_protocol="SSL", kafka_ssl_ca_file=certs.server_key)
    mismatch = refusal(
        kafka_security_protocol="SSL",
        kafka_ssl_ca_file=certs.ca,
        kafka_ssl_cert_file=certs.client_cert,
        kafka_ssl_key_file=certs.server_key,
    )
    assert "KAFKA_SSL_CERT_FILE" in mismatch and "not a matching PEM certificate and key" in mismatch


def test_the_password_is_never_shown() -> None:
    configured = settings(kafka_security_protocol="SASL_PLAINTEXT", **USER)
    assert "s3cret-pw" not in repr(configured) and "s3cret-pw" not in str(configured.model_dump())


def _trusted_subjects(context: ssl.SSLContext) -> set[str]:
    return {dict(pair[0] for pair in ca["subject"])["commonName"] for ca in context.get_ca_certs()}


async def test_every_client_carries_sasl_ssl_and_the_ca(certs: Certs) -> None:
    configured = settings(
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_ca_file=certs.ca,
        kafka_ssl_cert_file=certs.client_cert,
        kafka_ssl_key_file=certs.client_key,
        **USER,
    )
    producer = make_producer(configured)
    consumer = make_consumer(configured, "t", group_id="g")
    admin = make_admin(configured)
    for client in (producer.client, consumer._client, admin._client):
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-512"
        assert (client._sasl_plain_username, client._sasl_plain_password) == ("labels-api", "s3cret-pw")
        context = client._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        assert _trusted_subjects(context) == {"ca"}  # the CA file, not the system's store
    await producer.stop()
    await consumer.stop()
    await admin.close()


def test_plain_is_accepted_over_tls(certs: Certs) -> None:
    options = client_options(
        settings(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism="PLAIN",
            kafka_ssl_ca_file=certs.ca,
            **USER,
        )
    )
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_SSL", "PLAIN")


@pytest.mark.parametrize(
    ("module", "env", "named"),
    [
        ("api_service", {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "KAFKA_SASL_USERNAME"),
        (
            "render_service",
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CA_FILE": "/nonexistent/ca.crt"},
            "kafka_ssl_ca_file",
        ),
    ],
)
def test_a_service_with_a_wrong_combination_does_not_start(
    module: str, env: dict[str, str], named: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert named in result.stderr
