"""Kafka security in the rendered prod overlay (docs/security.md#kafka): one KafkaUser per client
with exactly the ACLs of the threat model, each Deployment logged in as its own user over TLS,
and KEDA reading the lag the same way. Dev keeps the plain listener and declares no user."""

from __future__ import annotations

from typing import Any

from tests.deploy.conftest import Rendered
from tests.deploy.test_manifests import env_of

# (resource type, name, pattern) -> operations, per user. Read/Write imply Describe in Kafka.
REQUESTED, EVENTS, CHUNKS, DLQ = (
    ("topic", f"label-export.{name}", "literal") for name in ("requested", "events", "chunks", "dlq")
)
EXPECTED_ACLS: dict[str, dict[tuple[str, str, str], set[str]]] = {
    # Writes requests (relay, stale-job sweep); reads events and requests (projection); dead-letters
    # what the projection cannot apply.
    "labels-api": {
        REQUESTED: {"Write", "Read"},
        EVENTS: {"Read"},
        DLQ: {"Write"},
        ("group", "label-export-api-projection", "literal"): {"Read"},
        # The stale-job sweep reads the planner group's committed offsets.
        ("group", "label-export-render-planner", "literal"): {"Describe"},
    },
    "labels-render": {
        REQUESTED: {"Read"},
        CHUNKS: {"Read", "Write"},
        EVENTS: {"Write"},
        DLQ: {"Write"},
        ("group", "label-export-render-planner", "literal"): {"Read"},
        ("group", "label-export-render-worker", "literal"): {"Read"},
    },
    # Another service: asks for exports and follows them, nothing else.
    "labels-other-service": {
        REQUESTED: {"Write"},
        EVENTS: {"Read"},
        ("group", "labels-other-service-", "prefix"): {"Read"},
    },
}
CONTAINER_OF = {"labels-api": "api", "labels-render": "render"}


def acls(user: dict[str, Any]) -> dict[tuple[str, str, str], set[str]]:
    table: dict[tuple[str, str, str], set[str]] = {}
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        key = (resource["type"], resource["name"], resource.get("patternType", "literal"))
        assert acl.get("type", "allow") == "allow" and acl.get("host", "*") == "*", acl
        table.setdefault(key, set()).update(acl["operations"])
    return table


def test_prod_declares_a_scram_user_per_client_with_exactly_its_acls(rendered: dict[str, Rendered]) -> None:
    users = {u["metadata"]["name"]: u for u in rendered["prod"].of_kind("KafkaUser")}
    assert set(users) == set(EXPECTED_ACLS)
    for name, user in users.items():
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}, name
        assert user["spec"]["authorization"]["type"] == "simple", name
        assert acls(user) == EXPECTED_ACLS[name], name


def test_no_user_may_touch_what_it_does_not_need(rendered: dict[str, Rendered]) -> None:
    users = {u["metadata"]["name"]: acls(u) for u in rendered["prod"].of_kind("KafkaUser")}
    # Only the render service writes events: nobody else can complete or fail a job, or point a
    # completed job at an artifact key.
    writers_of_events = {name for name, table in users.items() if "Write" in table.get(EVENTS, set())}
    assert writers_of_events == {"labels-render"}
    # The other service reaches no chunk task and no DLQ, and no cluster-wide or wildcard resource.
    for name, table in users.items():
        assert all(kind in {"topic", "group"} and resource != "*" for kind, resource, _ in table), name
        assert not {"All", "Alter", "Delete", "AlterConfigs", "Create"} & set().union(*table.values()), name
    assert CHUNKS not in users["labels-other-service"] and DLQ not in users["labels-other-service"]


def test_each_deployment_logs_in_as_its_own_user_over_tls(rendered: dict[str, Rendered]) -> None:
    r = rendered["prod"]
    users = {u["metadata"]["name"] for u in r.of_kind("KafkaUser")}
    for deployment in r.of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["name"] == CONTAINER_OF[name]
        env = env_of(r, container)
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert env["KAFKA_BOOTSTRAP_SERVERS"].endswith(":9093")  # Strimzi's TLS listener
        assert env["KAFKA_SASL_USERNAME"] == name and name in users
        # The password is the one the User Operator wrote for that user, never a literal.
        assert env["KAFKA_SASL_PASSWORD"] == {"secretKeyRef": {"name": name, "key": "password"}}
        ca_volume = next(
            v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "kafka-ca"
        )
        assert ca_volume["secret"]["secretName"] == "kafka-cluster-ca-cert"
        assert env["KAFKA_SSL_CA_FILE"] == "/etc/kafka-ca/ca.crt"
    for cm in r.of_kind("ConfigMap"):
        assert "KAFKA_SASL_PASSWORD" not in cm["data"]


def test_keda_reads_the_lag_over_tls_as_the_render_user(rendered: dict[str, Rendered]) -> None:
    r = rendered["prod"]
    auth = r.one("TriggerAuthentication", "labels-render-kafka")["spec"]
    refs = {ref["parameter"]: (ref["name"], ref["key"]) for ref in auth["secretTargetRef"]}
    assert refs == {"password": ("labels-render", "password"), "ca": ("kafka-cluster-ca-cert", "ca.crt")}
    assert auth["env"] == [
        {"parameter": "username", "name": "KAFKA_SASL_USERNAME", "containerName": "render"}
    ]
    for trigger in r.one("ScaledObject", "labels-render")["spec"]["triggers"]:
        assert trigger["authenticationRef"] == {"name": "labels-render-kafka"}
        assert (trigger["metadata"]["sasl"], trigger["metadata"]["tls"]) == ("scram_sha512", "enable")


def test_dev_keeps_the_plain_listener_and_declares_no_user(rendered: dict[str, Rendered]) -> None:
    r = rendered["dev"]
    assert not r.of_kind("KafkaUser") and not r.of_kind("TriggerAuthentication")
    for deployment in r.of_kind("Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = env_of(r, container)
        assert env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") == "PLAINTEXT"
        assert "KAFKA_SASL_PASSWORD" not in env
