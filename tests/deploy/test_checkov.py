"""checkov (Kubernetes and Dockerfile policies) on what would really be applied and built.

One checkov process scans every rendered kustomization and the Dockerfile(s) together (it takes a
few seconds; starting it is most of that), so the result is a module fixture and each file gets
its own test. A finding must be fixed, or skipped next to the resource with the reason:
`checkov.io/skipN: CKV_ID=reason` annotations in the manifests, `# checkov:skip=CKV_ID:reason`
in the Dockerfile. The skips in force are listed in deploy/k8s/README.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import tools
from tests.deploy.conftest import DOCKERFILES, KUSTOMIZATIONS, Rendered, tool_env

# Checks that must have run and passed on every workload: if a checkov upgrade or a change in how
# we call it stopped evaluating them, "no failures" would mean nothing.
KEY_K8S_CHECKS = {
    "CKV_K8S_8",  # liveness probe
    "CKV_K8S_9",  # readiness probe
    "CKV_K8S_10",  # CPU request
    "CKV_K8S_11",  # CPU limit
    "CKV_K8S_12",  # memory request
    "CKV_K8S_13",  # memory limit
    "CKV_K8S_20",  # no privilege escalation
    "CKV_K8S_22",  # read-only root filesystem
    "CKV_K8S_23",  # no host IPC
    "CKV_K8S_28",  # NET_RAW dropped
    "CKV_K8S_31",  # seccomp RuntimeDefault
    "CKV_K8S_37",  # capabilities minimized
    "CKV_K8S_38",  # service account token not mounted
    "CKV_K8S_40",  # high UID
    "CKV2_K8S_6",  # pods selected by a NetworkPolicy
}
JOB_EXEMPT = {"CKV_K8S_8", "CKV_K8S_9"}  # checkov does not ask a Job for probes


@pytest.fixture(scope="module")
def checkov_results(
    rendered: dict[str, Rendered], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """checkov's JSON report, by scanned file name (`<kustomization>.yaml`, `Dockerfile`...)."""
    exe = tools.checkov()
    scan = tmp_path_factory.mktemp("checkov")
    for name, r in rendered.items():
        (scan / f"{name}.yaml").write_text(r.text)
    for dockerfile in DOCKERFILES:
        shutil.copy(dockerfile, scan / dockerfile.name)
    done = subprocess.run(
        [
            exe,
            "--directory",
            str(scan),
            "--framework",
            "kubernetes",
            "dockerfile",
            "--output",
            "json",
            # No calls to the vendor's platform (guidelines, policies): offline and deterministic.
            "--skip-download",
            "--compact",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**tool_env(), "LOG_LEVEL": "WARNING"},
        check=False,
    )
    # Exit code 1 means failed checks, reported in the JSON like the rest.
    assert done.returncode in (0, 1), f"checkov exited {done.returncode}:\n{done.stderr[-3000:]}"
    reports = json.loads(done.stdout)
    by_file: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for report in reports if isinstance(reports, list) else [reports]:
        assert report.get("summary", {}).get("parsing_errors", 0) == 0, report["summary"]
        for status in ("passed_checks", "failed_checks", "skipped_checks"):
            for result in report.get("results", {}).get(status, []):
                name = Path(result["file_path"]).name
                by_file.setdefault(name, {"passed_checks": [], "failed_checks": [], "skipped_checks": []})
                by_file[name][status].append(result)
    return by_file


def _describe(results: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {r['check_id']} {r['check_name']} — {r['resource']} ({r['file_path']})" for r in results
    )


def _check_file(checkov_results: dict[str, Any], name: str) -> dict[str, list[dict[str, Any]]]:
    assert name in checkov_results, f"checkov reported nothing for {name}: {sorted(checkov_results)}"
    results = checkov_results[name]
    assert not results["failed_checks"], f"checkov findings in {name}:\n{_describe(results['failed_checks'])}"
    for skipped in results["skipped_checks"]:
        reason = (skipped.get("check_result") or {}).get("suppress_comment") or ""
        assert len(reason.strip()) >= 15, (
            f"skip without a reason: {skipped['check_id']} on {skipped['resource']}"
        )
    return results


@pytest.mark.timeout(600)  # the first run on a machine installs checkov (~30 s)
@pytest.mark.parametrize("kustomization", list(KUSTOMIZATIONS))
def test_checkov_passes_on_rendered_manifests(
    checkov_results: dict[str, Any], kustomization: str, rendered: dict[str, Rendered]
) -> None:
    results = _check_file(checkov_results, f"{kustomization}.yaml")
    evaluated = results["passed_checks"] + results["skipped_checks"]
    workloads = [d for d in rendered[kustomization].docs if d["kind"] in {"Deployment", "Job"}]
    assert workloads
    for workload in workloads:
        namespace, name = workload["metadata"]["namespace"], workload["metadata"]["name"]
        resource = f"{workload['kind']}.{namespace}.{name}"
        # Graph checks (CKV2_*) name the pod: "Pod.<namespace>.<workload>.<labels...>".
        ran = {
            r["check_id"]
            for r in evaluated
            if r["resource"] == resource or r["resource"].startswith(f"Pod.{namespace}.{name}.")
        }
        expected = KEY_K8S_CHECKS - (JOB_EXEMPT if workload["kind"] == "Job" else set())
        assert not expected - ran, f"{resource}: checks not evaluated: {sorted(expected - ran)}"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("dockerfile", [p.name for p in DOCKERFILES])
def test_checkov_passes_on_dockerfile(checkov_results: dict[str, Any], dockerfile: str) -> None:
    results = _check_file(checkov_results, dockerfile)
    assert len(results["passed_checks"]) > 10
