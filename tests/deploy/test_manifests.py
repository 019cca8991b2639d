"""The kustomizations build (`kubectl kustomize`, offline) and say what docs/design.md#kubernetes asks for.

Each check reads the rendered output, so it covers what an overlay really applies (patches,
generated ConfigMap names, image overrides included).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import BaseSettings

from api_service.settings import ApiSettings
from render_service.settings import RenderSettings
from shared.settings import CommonSettings
from tests.deploy.conftest import APPS, ENVIRONMENTS, KUSTOMIZATIONS, Rendered
from tests.support.certs import make_certs

APP_KINDS = Counter(
    {
        "Namespace": 1,
        "ServiceAccount": 2,
        "ConfigMap": 3,
        "Service": 2,
        "Deployment": 2,
        "PodDisruptionBudget": 2,
        "HorizontalPodAutoscaler": 1,
        "ScaledObject": 1,
        "KafkaTopic": 4,
        "NetworkPolicy": 4,
    }
)
# Prod adds Kafka security: a KafkaUser per client and KEDA's login to the TLS listener.
KINDS = {"dev": APP_KINDS, "prod": APP_KINDS + Counter({"KafkaUser": 3, "TriggerAuthentication": 1})}
MIGRATE_KINDS = Counter({"ServiceAccount": 1, "NetworkPolicy": 1, "Job": 1})
NAMESPACE = "label-export"
KAFKA_NAMESPACE = "kafka"
TOPICS = {"label-export.requested", "label-export.events", "label-export.dlq", "label-export.chunks"}

# Set on the pods for static consumer-group membership; the services read it once the lead wires
# it into the settings (see deploy/k8s/README.md). Until then pydantic ignores it.
PENDING_SETTINGS = {"KAFKA_GROUP_INSTANCE_ID"}
SETTINGS_OF: dict[str, type[BaseSettings]] = {
    "labels-api": ApiSettings,
    "labels-render": RenderSettings,
    "labels-migrate": CommonSettings,
}
PORTS = {"labels-api": 8080, "labels-render": 8081}

every_kustomization = pytest.mark.parametrize("overlay", list(KUSTOMIZATIONS))
app_overlays = pytest.mark.parametrize("overlay", APPS)


# ---------------------------------------------------------------------------------------- helpers


def workloads(r: Rendered) -> Iterator[dict[str, Any]]:
    yield from r.of_kind("Deployment")
    yield from r.of_kind("Job")


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def env_of(r: Rendered, container: dict[str, Any]) -> dict[str, Any]:
    """Literal values from the referenced ConfigMaps and `env`; references stay as their dicts."""
    env: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        ref = source["configMapRef"]["name"]
        env.update(r.one("ConfigMap", ref)["data"])
    for item in container.get("env", []):
        env[item["name"]] = item.get("value", item.get("valueFrom"))
    return env


def cpu_cores(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


# ------------------------------------------------------------------------------------------ tests


@every_kustomization
def test_kustomization_builds_the_expected_objects(rendered: dict[str, Rendered], overlay: str) -> None:
    r = rendered[overlay]
    expected = MIGRATE_KINDS if overlay.endswith("-migrate") else KINDS[overlay]
    assert Counter(d["kind"] for d in r.docs) == expected
    for doc in r.docs:
        meta = doc["metadata"]
        if doc["kind"] == "Namespace":
            assert meta["name"] == NAMESPACE
        elif doc["kind"] == "KafkaTopic":
            # The Strimzi Topic Operator watches its cluster's namespace, not ours.
            assert meta["namespace"] == KAFKA_NAMESPACE
            assert meta["labels"]["strimzi.io/cluster"]
        elif doc["kind"] == "KafkaUser":
            # Next to the Deployments that read the Secrets the User Operator writes.
            assert meta["namespace"] == NAMESPACE
            assert meta["labels"]["strimzi.io/cluster"] == "kafka"
        else:
            assert meta.get("namespace") == NAMESPACE, f"{doc['kind']} {meta['name']}"


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_certs(tmp_path_factory.mktemp("certs")).ca


def mounted_secret_files(workload: dict[str, Any], container: dict[str, Any]) -> set[str]:
    """The paths of the files the container sees from Secret volumes."""
    secrets = {
        v["name"]: v["secret"] for v in workload["spec"]["template"]["spec"]["volumes"] if "secret" in v
    }
    return {
        f"{m['mountPath']}/{item['path']}"
        for m in container.get("volumeMounts", [])
        if m["name"] in secrets
        for item in secrets[m["name"]].get("items", [])
    }


@every_kustomization
def test_settings_are_real_settings_with_valid_values(
    rendered: dict[str, Rendered], overlay: str, ca_file: Path
) -> None:
    """Every variable the pods get is a setting of the service that reads it (no typo goes
    unnoticed), and the values pass the service's own validation: the literals as they are, a
    value from a Secret as set, a file setting as a real file once it is checked to be mounted."""
    r = rendered[overlay]
    for workload in workloads(r):
        settings_class = SETTINGS_OF[workload["metadata"]["labels"]["app.kubernetes.io/name"]]
        for container in containers(workload):
            env = env_of(r, container)
            unknown = {k for k in env if k.lower() not in settings_class.model_fields} - PENDING_SETTINGS
            assert not unknown, (
                f"{workload['metadata']['name']}: not settings of {settings_class.__name__}: {unknown}"
            )
            values: dict[str, Any] = {}
            for key, value in env.items():
                if key in PENDING_SETTINGS or (isinstance(value, dict) and "fieldRef" in value):
                    continue
                if isinstance(value, dict):
                    assert "secretKeyRef" in value, (key, value)
                    values[key.lower()] = "from-a-secret"
                elif key.startswith("KAFKA_SSL_") and key.endswith("_FILE"):
                    assert value in mounted_secret_files(workload, container), (key, value)
                    values[key.lower()] = ca_file
                else:
                    values[key.lower()] = value
            settings_class(**values)  # raises on a wrong value, as the service would at start-up


@every_kustomization
def test_pods_are_locked_down(rendered: dict[str, Rendered], overlay: str) -> None:
    for workload in workloads(rendered[overlay]):
        name = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["serviceAccountName"] != "default", name
        assert pod["enableServiceLinks"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        tmp_volumes = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for c in containers(workload):
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert sc["runAsUser"] >= 10000, name
            assert any(m["mountPath"] == "/tmp" and m["name"] in tmp_volumes for m in c["volumeMounts"]), name
            assert c["imagePullPolicy"] in {"Always", "IfNotPresent"}, name
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), f"{name}: {kind}"


@app_overlays
def test_probes_hit_the_real_endpoints(rendered: dict[str, Rendered], overlay: str) -> None:
    r = rendered[overlay]
    for deployment in r.of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        (port,) = container["ports"]
        assert port["containerPort"] == PORTS[name]
        env = env_of(r, container)
        host_key, port_key = (
            ("API_HOST", "API_PORT") if name == "labels-api" else ("RENDER_HTTP_HOST", "RENDER_HTTP_PORT")
        )
        assert env[host_key] == "0.0.0.0"
        assert int(env[port_key]) == PORTS[name]
        for probe, path in [
            ("livenessProbe", "/healthz"),
            ("readinessProbe", "/readyz"),
            ("startupProbe", "/healthz"),
        ]:
            assert container[probe]["httpGet"]["path"] == path, f"{name} {probe}"
            assert container[probe]["httpGet"]["port"] in {port["name"], PORTS[name]}, f"{name} {probe}"


@app_overlays
def test_render_shutdown_and_membership(rendered: dict[str, Rendered], overlay: str) -> None:
    r = rendered[overlay]
    render = r.one("Deployment", "labels-render")
    (container,) = render["spec"]["template"]["spec"]["containers"]
    env = env_of(r, container)
    pod_name = {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["KAFKA_GROUP_INSTANCE_ID"] == pod_name
    assert env["RENDER_INSTANCE_ID"] == pod_name
    # The service waits up to session timeout + 25 s for the chunk in hand, then closes the pool
    # and its clients: the grace period must cover that with room to spare.
    ceiling = int(env["KAFKA_SESSION_TIMEOUT_MS"]) / 1000 + 25
    assert render["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= ceiling + 10
    # A pool larger than the CPU limit only thrashes (and the default is the node's CPU count).
    assert int(env["RENDER_POOL_SIZE"]) <= cpu_cores(container["resources"]["limits"]["cpu"])


@app_overlays
def test_credentials_come_from_the_secret(rendered: dict[str, Rendered], overlay: str) -> None:
    r = rendered[overlay]
    assert not r.of_kind("Secret"), "no Secret in git: it is created out of band"
    for cm in r.of_kind("ConfigMap"):
        assert not {"DATABASE_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"} & set(cm["data"])
    for deployment in r.of_kind("Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = env_of(r, container)
        for key in ("DATABASE_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
            ref = env[key]["secretKeyRef"]
            assert (ref["name"], ref["key"]) == ("label-export-credentials", key)
        # Optional so that IRSA (no static keys) works.
        assert env["S3_ACCESS_KEY_ID"]["secretKeyRef"]["optional"] is True


@app_overlays
def test_topics_partitions_and_render_scaling_agree(rendered: dict[str, Rendered], overlay: str) -> None:
    r = rendered[overlay]
    topics = {t["spec"]["topicName"]: t["spec"] for t in r.of_kind("KafkaTopic")}
    assert set(topics) == TOPICS
    for spec in topics.values():
        assert spec["partitions"] >= 1
        assert int(spec["config"]["retention.ms"]) > 0
        assert int(spec["config"]["min.insync.replicas"]) <= spec["replicas"]
    (container,) = r.one("Deployment", "labels-render")["spec"]["template"]["spec"]["containers"]
    env = env_of(r, container)
    assert {env[k] for k in ("TOPIC_REQUESTED", "TOPIC_EVENTS", "TOPIC_DLQ", "TOPIC_CHUNKS")} == TOPICS

    scaled = r.one("ScaledObject", "labels-render")["spec"]
    assert scaled["scaleTargetRef"]["name"] == "labels-render"
    # Never fewer than one: the planner group must run for chunk lag to appear at all.
    assert 1 <= scaled["minReplicaCount"] <= scaled["maxReplicaCount"]
    # More consumers than partitions would stand idle.
    assert scaled["maxReplicaCount"] <= topics[env["TOPIC_CHUNKS"]]["partitions"]
    triggers = {t["metadata"]["topic"]: t["metadata"] for t in scaled["triggers"]}
    assert triggers[env["TOPIC_CHUNKS"]]["consumerGroup"] == env["RENDER_WORKER_GROUP_ID"]
    assert triggers[env["TOPIC_REQUESTED"]]["consumerGroup"] == env["RENDER_PLANNER_GROUP_ID"]
    for trigger in scaled["triggers"]:
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["bootstrapServers"] == env["KAFKA_BOOTSTRAP_SERVERS"]
        assert trigger["metadata"]["allowIdleConsumers"] == "false"


@app_overlays
def test_autoscaling_and_disruption_budgets_target_the_deployments(
    rendered: dict[str, Rendered], overlay: str
) -> None:
    r = rendered[overlay]
    hpa = r.one("HorizontalPodAutoscaler", "labels-api")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "labels-api"}
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"]
    for deployment in r.of_kind("Deployment"):
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        budgets = [
            p
            for p in r.of_kind("PodDisruptionBudget")
            if p["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(budgets) == 1, deployment["metadata"]["name"]
    if overlay == "dev":
        assert hpa["minReplicas"] == hpa["maxReplicas"] == 1
        scaled = r.one("ScaledObject", "labels-render")["spec"]
        assert scaled["minReplicaCount"] == scaled["maxReplicaCount"] == 1
    else:
        assert hpa["minReplicas"] >= 2
        assert r.one("ScaledObject", "labels-render")["spec"]["minReplicaCount"] >= 2


@every_kustomization
def test_network_policies_default_deny_and_cover_every_pod(
    rendered: dict[str, Rendered], overlay: str
) -> None:
    r = rendered[overlay]
    policies = r.of_kind("NetworkPolicy")
    for workload in workloads(r):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        own = [
            p
            for p in policies
            if p["spec"]["podSelector"].get("matchLabels")
            and p["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(own) == 1, workload["metadata"]["name"]
        egress_ports = {p["port"] for rule in own[0]["spec"]["egress"] for p in rule["ports"]}
        assert 5432 in egress_ports
        if workload["kind"] == "Deployment":
            assert {5432, 9092, 9093, 443} <= egress_ports
    if overlay.endswith("-migrate"):
        return
    deny = r.one("NetworkPolicy", "default-deny-all")["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    dns = r.one("NetworkPolicy", "allow-dns-egress")["spec"]
    assert {p["port"] for rule in dns["egress"] for p in rule["ports"]} == {53}
    api_ingress = r.one("NetworkPolicy", "labels-api")["spec"]["ingress"]
    from_ingress = [
        rule
        for rule in api_ingress
        if any(
            f.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
            == "ingress-nginx"
            for f in rule["from"]
        )
    ]
    assert [p["port"] for rule in from_ingress for p in rule["ports"]] == [8080]


@pytest.mark.parametrize("environment", list(ENVIRONMENTS))
def test_release_images_and_migration_job(rendered: dict[str, Rendered], environment: str) -> None:
    app_overlay, migrate_overlay = (rendered[n] for n in ENVIRONMENTS[environment])
    images = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for d in app_overlay.of_kind("Deployment")
    }
    for image in images.values():
        if environment == "prod":
            assert "@sha256:" in image, image
        else:
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image
    (job,) = migrate_overlay.of_kind("Job")
    # Named per release (a Job's template is immutable), same build as the API it migrates for.
    assert job["metadata"]["name"].startswith("labels-migrate-")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["image"] == images["labels-api"]
    assert container["command"] == ["labels-admin", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1 and job["spec"]["activeDeadlineSeconds"] > 0
