"""How our Kafka clients authenticate and encrypt: the settings' rules, and the aiokafka options
every producer, consumer and admin client gets from them (docs/security.md#kafka).

The rules run when the settings are read, so a wrong combination stops a service at start-up
with a message naming the setting, instead of failing later at the first connection (or worse,
quietly connecting without the protection the operator meant to turn on).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiokafka.helpers import create_ssl_context
from pydantic import SecretStr

if TYPE_CHECKING:
    from shared.settings import CommonSettings

#: The settings of this module, as the environment names them.
SECURITY_VARIABLES = (
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SSL_CA_FILE",
    "KAFKA_SSL_CERT_FILE",
    "KAFKA_SSL_KEY_FILE",
)
SASL_PROTOCOLS = frozenset({"SASL_PLAINTEXT", "SASL_SSL"})
TLS_PROTOCOLS = frozenset({"SSL", "SASL_SSL"})


class KafkaSecurityError(ValueError):
    """A combination of KAFKA_* security settings that cannot be what the operator meant."""


def check_kafka_security(settings: CommonSettings) -> None:
    """Raise KafkaSecurityError naming the setting when the combination is wrong."""
    protocol = settings.kafka_security_protocol
    credentials = {
        "KAFKA_SASL_USERNAME": settings.kafka_sasl_username,
        "KAFKA_SASL_PASSWORD": settings.kafka_sasl_password,
    }
    files = {
        "KAFKA_SSL_CA_FILE": settings.kafka_ssl_ca_file,
        "KAFKA_SSL_CERT_FILE": settings.kafka_ssl_cert_file,
        "KAFKA_SSL_KEY_FILE": settings.kafka_ssl_key_file,
    }
    if protocol in SASL_PROTOCOLS:
        if missing := [name for name, value in credentials.items() if _blank(value)]:
            names = " and ".join(missing)
            raise KafkaSecurityError(f"{names} must be set with KAFKA_SECURITY_PROTOCOL={protocol}")
        if settings.kafka_sasl_mechanism == "PLAIN" and protocol != "SASL_SSL":
            raise KafkaSecurityError(
                "KAFKA_SASL_MECHANISM=PLAIN sends the password as it is: "
                "use it only with KAFKA_SECURITY_PROTOCOL=SASL_SSL"
            )
    else:
        # Credentials without a SASL protocol are a forgotten KAFKA_SECURITY_PROTOCOL: the clients
        # would connect without them, which is not what whoever set them meant. Same for TLS files.
        _refuse_unused(credentials, protocol, "them (SASL_SSL or SASL_PLAINTEXT does)")
    if protocol not in TLS_PROTOCOLS:
        _refuse_unused(files, protocol, "TLS (SSL or SASL_SSL does)")
        return
    if (settings.kafka_ssl_cert_file is None) != (settings.kafka_ssl_key_file is None):
        raise KafkaSecurityError(
            "KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both or neither"
        )
    ssl_context(settings)  # an unreadable CA or a key that does not match its certificate fails now


def _refuse_unused(values: Mapping[str, object], protocol: str, uses: str) -> None:
    if stray := [name for name, value in values.items() if value is not None]:
        raise KafkaSecurityError(
            f"{' and '.join(stray)} set, but KAFKA_SECURITY_PROTOCOL={protocol} does not use {uses}"
        )


def ssl_context(settings: CommonSettings) -> ssl.SSLContext:
    """A client context that verifies the brokers' certificates and host names."""
    ca, cert, key = settings.kafka_ssl_ca_file, settings.kafka_ssl_cert_file, settings.kafka_ssl_key_file
    try:
        context: ssl.SSLContext = create_ssl_context(cafile=_path(ca))
    except (OSError, ssl.SSLError) as exc:
        raise KafkaSecurityError(
            f"KAFKA_SSL_CA_FILE {ca}: not a readable PEM CA certificate ({exc})"
        ) from exc
    if cert is not None and key is not None:
        try:
            context.load_cert_chain(certfile=cert, keyfile=key)
        except (OSError, ssl.SSLError) as exc:
            raise KafkaSecurityError(
                f"KAFKA_SSL_CERT_FILE {cert} / KAFKA_SSL_KEY_FILE {key}: not a matching PEM certificate "
                f"and key ({exc})"
            ) from exc
    return context


def _blank(value: str | SecretStr | None) -> bool:
    return not (value.get_secret_value() if isinstance(value, SecretStr) else value)


def _path(value: Path | None) -> str | None:
    return None if value is None else str(value)


def client_options(settings: CommonSettings) -> dict[str, Any]:
    """The security options of an aiokafka client (producer, consumer or admin)."""
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol in TLS_PROTOCOLS:
        options["ssl_context"] = ssl_context(settings)
    if protocol in SASL_PROTOCOLS:
        assert settings.kafka_sasl_password is not None  # check_kafka_security ran with the settings
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password.get_secret_value(),
        }
    return options
