"""Static checks of the Kubernetes manifests under deploy/k8s and of the image (no cluster needed).

Three renderings are checked with the same rules:

- ``base``: the base plus the optional OCR-worker component, rendered by `render` below, a small
  pure-Python stand-in for ``kustomize build`` that knows only what the base uses (resources,
  labels, namespace, images, a configMapGenerator from env files, strategic-merge patches chosen
  by kind and label selector). It always runs.
- ``dev`` and ``production``: the real overlays, rendered by ``kustomize build`` (or
  ``kubectl kustomize``) when one of them is on PATH; skipped with the reason otherwise. When the
  binary is there, a test also checks that the stand-in renders the base as kustomize does.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakturaportal.processes import PROCESSES as LOCAL_PROCESSES
from fakturaportal.signing import new_private_key_pem

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
OCR_COMPONENT = K8S / "components" / "ocr-worker"
OVERLAYS = ("dev", "production")
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"

NAMESPACE = "fakturaportal"
CONFIG_MAP = "fakturaportal-config"
SECRET = "fakturaportal-secrets"
PORTAL_SECRET = "fakturaportal-portal"
PARTITIONS = 3
API_PORT = 8080
HEALTH_PORT = 8081

# The process list is the one the local supervisor runs: one source of truth.
PROCESSES: dict[str, tuple[str, ...]] = {}
for _spec in LOCAL_PROCESSES:
    if (_spec.service, _spec.role) == ("intake", "ocr-worker"):
        continue  # its own optional component: scaled by KEDA on consumer lag
    PROCESSES.setdefault(_spec.service, ())
    PROCESSES[_spec.service] += (_spec.role,)
OCR_WORKER = "intake-ocr-worker"
ARCHIVE_USERS = {
    "intake-api",
    "intake-folder",
    "intake-mail",
    OCR_WORKER,
    "validation-consumer",
    "portal-api",
}
OUTBOX_USERS = {"payment-api", "payment-consumer", "payment-bank"}
AUTOSCALED = {"portal-api", "intake-api"}

Doc = dict[str, Any]

# --------------------------------------------------------------------------- loading YAML


def load_docs(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def kustomization_files() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


# --------------------------------------------------------------------------- the stand-in renderer


def render(directory: Path) -> list[Doc]:
    """Render a kustomization the way `kustomize build` would, for the features the base uses."""
    kust = load_docs(directory / "kustomization.yaml")[0]
    docs: list[Doc] = []
    for entry in kust.get("resources", []):
        path = directory / entry
        docs += render(path) if path.is_dir() else load_docs(path)
    for generator in kust.get("configMapGenerator", []):
        docs.append(_generated_config_map(directory, generator))
    for patch in kust.get("patches", []):
        _apply_patch(directory, patch, docs)
    for image in kust.get("images", []):
        _set_image(docs, image)
    for labels in kust.get("labels", []):
        _add_labels(docs, labels)
    if "namespace" in kust:
        for doc in docs:
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = kust["namespace"]
    return docs


def read_env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def _generated_config_map(directory: Path, generator: Doc) -> Doc:
    assert set(generator) <= {"name", "envs", "options"}, "extend the stand-in renderer"
    data: dict[str, str] = {}
    for env_file in generator.get("envs", []):
        data |= read_env_file(directory / env_file)
    labels = dict(generator.get("options", {}).get("labels", {}))
    metadata = {"name": generator["name"], "labels": labels}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def _apply_patch(directory: Path, patch: Doc, docs: list[Doc]) -> None:
    assert "path" in patch, "the stand-in renderer knows strategic-merge patch files only"
    (body,) = load_docs(directory / patch["path"])
    assert isinstance(body, dict)
    assert "spec" in body, "the stand-in merges `spec` only"
    for doc in docs:
        if _selected(doc, patch.get("target", {})):
            _merge(doc["spec"], body["spec"])


def _selected(doc: Doc, target: Doc) -> bool:
    assert set(target) <= {"kind", "name", "labelSelector"}, "extend the stand-in renderer"
    if "kind" in target and not re.fullmatch(target["kind"], doc["kind"]):
        return False
    if "name" in target and not re.fullmatch(target["name"], doc["metadata"]["name"]):
        return False
    labels = doc["metadata"].get("labels", {})
    for term in filter(None, target.get("labelSelector", "").split(",")):
        if "!=" in term:
            key, value = term.split("!=")
            if labels.get(key.strip()) == value.strip():
                return False
        else:
            key, value = term.split("=")
            if labels.get(key.strip()) != value.strip():
                return False
    return True


MERGE_KEYS = ("name", "mountPath", "containerPort")


def _merge(dst: Doc, src: Doc) -> None:
    """Strategic merge, simplified: maps merge, lists of named items merge by key, rest replaces."""
    for key, value in src.items():
        old = dst.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            _merge(old, value)
        elif isinstance(value, list) and isinstance(old, list) and _merge_key(value + old):
            merge_key = _merge_key(value + old)
            by_key = {item[merge_key]: item for item in old}
            for item in value:
                if item[merge_key] in by_key:
                    _merge(by_key[item[merge_key]], item)
                else:
                    old.append(copy.deepcopy(item))
        else:
            dst[key] = copy.deepcopy(value)


def _merge_key(items: list[Any]) -> str | None:
    for key in MERGE_KEYS:
        if items and all(isinstance(item, dict) and key in item for item in items):
            return key
    return None


def _set_image(docs: list[Doc], image: Doc) -> None:
    for container in all_containers(docs):
        if container["image"].split(":")[0] == image["name"]:
            name = image.get("newName", image["name"])
            tag = image.get("newTag")
            container["image"] = f"{name}:{tag}" if tag else name


def _add_labels(docs: list[Doc], labels: Doc) -> None:
    for doc in docs:
        doc["metadata"].setdefault("labels", {}).update(labels["pairs"])
        template = doc.get("spec", {}).get("template")
        if template and (labels.get("includeTemplates") or labels.get("includeSelectors")):
            template.setdefault("metadata", {}).setdefault("labels", {}).update(labels["pairs"])


# --------------------------------------------------------------------------- kustomize binary


@functools.cache
def kustomize_command() -> tuple[str, ...] | None:
    """`kustomize build`, else kubectl's built-in `kubectl kustomize`, else None."""
    if exe := shutil.which("kustomize"):
        return (exe, "build")
    if exe := shutil.which("kubectl"):
        probe = subprocess.run(
            [exe, "kustomize", "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        if probe.returncode == 0:
            return (exe, "kustomize")
    return None


def require_kustomize() -> tuple[str, ...]:
    command = kustomize_command()
    if command is None:
        pytest.skip("neither a `kustomize` binary nor `kubectl kustomize` is on PATH")
    return command


@functools.cache
def kustomize_build(relative: str) -> subprocess.CompletedProcess[str]:
    """Build deploy/k8s/<relative> in a copy of deploy/k8s, with the dev secrets.env filled in
    from its example (the real one is gitignored and never needed by tests)."""
    command = require_kustomize()
    with tempfile.TemporaryDirectory() as tmp:
        copy_root = Path(tmp) / "k8s"
        shutil.copytree(K8S, copy_root, ignore=shutil.ignore_patterns("secrets.env", "portal.env"))
        for example in copy_root.rglob("*.env.example"):
            example.with_suffix("").write_text(example.read_text(encoding="utf-8"))
        (copy_root / "overlays" / "dev" / "portal-key.pem").write_text(new_private_key_pem())
        return subprocess.run(
            [*command, str(copy_root / relative)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def built_docs(relative: str) -> list[Doc]:
    result = kustomize_build(relative)
    assert result.returncode == 0, f"kustomize build {relative} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


# --------------------------------------------------------------------------- helpers on docs


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod_spec(doc: Doc) -> Doc:
    spec: Doc = doc["spec"]["template"]["spec"]
    return spec


def workloads(docs: list[Doc]) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] in {"Deployment", "Job"}]


def containers_of(doc: Doc) -> list[Doc]:
    spec = pod_spec(doc)
    return [*spec.get("initContainers", []), *spec["containers"]]


def all_containers(docs: list[Doc]) -> Iterator[Doc]:
    for doc in workloads(docs):
        yield from containers_of(doc)


def app_container(doc: Doc) -> Doc:
    (container,) = (c for c in pod_spec(doc)["containers"] if c["name"] == "app")
    assert isinstance(container, dict)
    return container


def unhashed(name: str) -> str:
    """Drop the content hash kustomize appends to generated ConfigMap and Secret names."""
    return re.sub(r"-[a-z0-9]{10}$", "", name)


def role_of(deployment: Doc) -> str:
    return str(deployment["metadata"]["labels"]["fakturaportal.no/role"])


def expected_processes(source: str) -> dict[str, list[str]]:
    expected = {
        f"{svc}-{role}": [f"services.{svc}", role]
        for svc, roles in PROCESSES.items()
        for role in roles
    }
    if source != "dev":
        expected[OCR_WORKER] = ["services.intake", "ocr-worker"]
    return expected


# --------------------------------------------------------------------------- renderings as fixture


@functools.cache
def _base_docs() -> list[Doc]:
    docs = render(BASE) + render(OCR_COMPONENT)
    for doc in docs:
        if doc["kind"] != "Namespace":
            doc["metadata"].setdefault("namespace", NAMESPACE)
    return docs


def docs_for(source: str) -> list[Doc]:
    return copy.deepcopy(_base_docs() if source == "base" else built_docs(f"overlays/{source}"))


@pytest.fixture(params=["base", *OVERLAYS])
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[Doc]]:
    return request.param, docs_for(request.param)


# --------------------------------------------------------------------------- files and references


@pytest.mark.parametrize("path", yaml_files(K8S), ids=lambda p: str(p.relative_to(K8S)))
def test_every_yaml_file_parses(path: Path) -> None:
    docs = load_docs(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        assert isinstance(doc, dict)
        if path.name != "kustomization.yaml":
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path


@pytest.mark.parametrize(
    "kustomization", kustomization_files(), ids=lambda p: str(p.parent.relative_to(K8S))
)
def test_everything_a_kustomization_lists_exists(kustomization: Path) -> None:
    kust = load_docs(kustomization)[0]
    here = kustomization.parent
    for entry in kust.get("resources", []) + kust.get("components", []):
        path = here / entry
        assert path.is_file() or (path / "kustomization.yaml").is_file(), f"{entry} in {here}"
    for patch in kust.get("patches", []):
        assert "path" in patch or "patch" in patch, patch
        if "path" in patch:
            assert (here / patch["path"]).is_file(), f"{patch['path']} in {here}"
    for generator in kust.get("configMapGenerator", []):
        for entry in generator.get("envs", []) + generator.get("files", []):
            assert (here / entry.split("=")[-1]).is_file(), f"{entry} in {here}"
    for generator in kust.get("secretGenerator", []):
        for entry in generator.get("envs", []) + generator.get("files", []):
            # secret files are gitignored; their committed example must exist instead
            name = entry.split("=")[-1]
            assert (here / f"{name}.example").is_file(), f"{name}.example in {here}"


def test_base_does_not_need_keda_and_production_includes_it() -> None:
    base = load_docs(BASE / "kustomization.yaml")[0]
    assert "components" not in base
    assert all(doc["kind"] != "ScaledObject" for doc in render(BASE))
    component = load_docs(OCR_COMPONENT / "kustomization.yaml")[0]
    assert component["kind"] == "Component"
    production = load_docs(K8S / "overlays" / "production" / "kustomization.yaml")[0]
    assert "../../components/ocr-worker" in production.get("components", [])


def test_ocr_worker_scales_on_consumer_lag() -> None:
    (scaled,) = (doc for doc in render(OCR_COMPONENT) if doc["kind"] == "ScaledObject")
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] == OCR_WORKER
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 8)
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert meta["topic"] == "invoice-ocr-requested"
    assert meta["consumerGroup"] == OCR_WORKER
    assert str(meta["lagThreshold"]) == "5"
    assert "bootstrapServers" in meta or "bootstrapServersFromEnv" in meta


# --------------------------------------------------------------------------- secrets

PLACEHOLDER = re.compile(
    r"^(|change[-_ ]?me.*|replace[-_ ]?me.*|placeholder.*|example.*|dummy.*|x+"
    r"|<[^>]*>|\$\{[^}]*\})$",
    re.IGNORECASE,
)
SKIPPED_DIRS = {".git", ".venv", "node_modules", ".data", ".cache", "__pycache__", ".mypy_cache"}


def repo_files(suffixes: tuple[str, ...]) -> Iterator[Path]:
    for root, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        for name in files:
            if name.endswith(suffixes):
                yield Path(root) / name


def secret_values(doc: Doc) -> Iterator[tuple[str, str]]:
    for key, value in (doc.get("stringData") or {}).items():
        yield key, str(value)
    for key, value in (doc.get("data") or {}).items():
        try:
            yield key, base64.b64decode(str(value), validate=True).decode()
        except ValueError:
            yield key, str(value)


def test_no_secret_in_the_repo_holds_a_real_value() -> None:
    found = []
    for path in repo_files((".yaml", ".yml")):
        try:
            docs = load_docs(path)
        except (yaml.YAMLError, UnicodeDecodeError):
            continue  # templates and the like: not Kubernetes objects
        for doc in docs:
            if not isinstance(doc, dict):
                continue
            if doc.get("kind") == "Secret":
                found += [(path, k) for k, v in secret_values(doc) if not PLACEHOLDER.match(v)]
            for generator in doc.get("secretGenerator", []) or []:
                for literal in generator.get("literals", []):
                    key, _, value = literal.partition("=")
                    if not PLACEHOLDER.match(value):
                        found.append((path, key))
    assert not found, f"real-looking secret values committed: {found}"


def test_secret_env_files_are_examples_and_the_real_one_is_ignored() -> None:
    examples = list(K8S.rglob("*.env.example"))
    assert examples
    for example in examples:
        for key, value in read_env_file(example).items():
            assert PLACEHOLDER.match(value), f"{example}: {key} looks real"
    ignored = K8S / "overlays" / "dev" / "secrets.env"
    assert "secrets.env" in (ignored.parent / ".gitignore").read_text(encoding="utf-8").split()
    if shutil.which("git") and (REPO / ".git").exists():
        check = subprocess.run(
            ["git", "check-ignore", "-q", str(ignored)], cwd=REPO, check=False, timeout=30
        )
        assert check.returncode == 0, "deploy/k8s/overlays/dev/secrets.env is not gitignored"


def test_config_map_holds_no_secrets_and_every_setting() -> None:
    config = of_kind(render(BASE), "ConfigMap")[CONFIG_MAP]["data"]
    assert not [k for k in config if re.search("PASSWORD|SECRET|TOKEN", k)]
    required = {
        "FP_KAFKA_BOOTSTRAP", "FP_PG_HOST", "FP_PG_PORT", "FP_PG_DB", "FP_PG_USER",
        "FP_JWT_ISSUER", "FP_JWT_AUDIENCE", "FP_JWT_JWKS_URL", "FP_ARCHIVE_DIR",
        "FP_PAYMENT_OUTBOX_DIR", "FP_HEALTH_PORT", "OTEL_EXPORTER_OTLP_ENDPOINT",
    }  # fmt: skip
    assert required <= config.keys()
    assert config["FP_HEALTH_PORT"] == str(HEALTH_PORT)
    assert config["FP_ARCHIVE_DIR"] == "/var/lib/fakturaportal/archive"
    assert config["FP_PAYMENT_OUTBOX_DIR"] == "/var/lib/fakturaportal/outbox"
    services = of_kind(render(BASE), "Service")
    for svc in (s for s, roles in PROCESSES.items() if "api" in roles and s != "portal"):
        url = config[f"FP_SERVICE_URL_{svc.upper()}"]
        assert url == f"http://{svc}-api:{API_PORT}"
        assert f"{svc}-api" in services


# --------------------------------------------------------------------------- processes


def test_every_process_has_its_deployment(rendered: tuple[str, list[Doc]]) -> None:
    source, docs = rendered
    deployments = of_kind(docs, "Deployment")
    expected = expected_processes(source)
    assert sorted(deployments) == sorted(expected)
    for name, args in expected.items():
        deployment = deployments[name]
        assert deployment["metadata"]["labels"]["app.kubernetes.io/name"] == "fakturaportal"
        assert deployment["metadata"]["labels"]["app.kubernetes.io/component"] == name
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert pod_labels["app.kubernetes.io/component"] == name
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()
        container = app_container(deployment)
        assert container.get("command") in (None, ["python", "-m"])  # image ENTRYPOINT
        assert container["args"] == args, name
        standard = args[1] in {"api", "consumer", "relay"}
        assert role_of(deployment) == (args[1] if standard else "worker"), name


def test_log_followers_run_exactly_one_replica(rendered: tuple[str, list[Doc]]) -> None:
    """The exporter follows posting's event log as a relay does, and one trainer publishes
    model versions: two of either would race."""
    _, docs = rendered
    for name in ("posting-exporter", "posting-trainer", "payment-bank", "portal-notifier"):
        deployment = of_kind(docs, "Deployment")[name]
        assert deployment["spec"].get("replicas") == 1, name
        assert deployment["spec"].get("strategy") == {"type": "Recreate"}, name


def test_posting_models_are_shared_by_trainer_and_consumers(
    rendered: tuple[str, list[Doc]],
) -> None:
    _, docs = rendered
    config = next(d for d in of_kind(docs, "ConfigMap").values())["data"]
    for name in ("posting-trainer", "posting-consumer"):
        deployment = of_kind(docs, "Deployment")[name]
        mounts = {m["mountPath"]: m["name"] for m in app_container(deployment)["volumeMounts"]}
        volume = mounts[config["FP_POSTING_MODEL_DIR"]]
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in deployment["spec"]["template"]["spec"]["volumes"]
            if "persistentVolumeClaim" in v
        }
        assert claims[volume] == "fakturaportal-models", name


def test_relays_run_exactly_one_replica(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    relays = [d for d in of_kind(docs, "Deployment").values() if role_of(d) == "relay"]
    assert len(relays) == sum("relay" in roles for roles in PROCESSES.values())
    for relay in relays:
        assert relay["spec"].get("replicas") == 1, relay["metadata"]["name"]
        assert relay["spec"].get("strategy") == {"type": "Recreate"}, relay["metadata"]["name"]
    assert not [d for d in docs if d["kind"] in {"HorizontalPodAutoscaler", "ScaledObject"}
                and d["spec"]["scaleTargetRef"]["name"].endswith("-relay")]  # fmt: skip


def test_consumers_stay_within_the_partition_count(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    for deployment in of_kind(docs, "Deployment").values():
        if role_of(deployment) == "consumer":
            assert 1 <= deployment["spec"].get("replicas", 1) <= PARTITIONS


def test_autoscalers_own_the_replica_count(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    deployments = of_kind(docs, "Deployment")
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == AUTOSCALED
    scaled = [d for d in docs if d["kind"] == "ScaledObject"]
    for scaler in [*hpas.values(), *scaled]:
        target = deployments[scaler["spec"]["scaleTargetRef"]["name"]]
        assert "replicas" not in target["spec"], "the autoscaler owns replicas"
    for hpa in hpas.values():
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"


def _probe_port(container: Doc, probe: Doc) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    (number,) = (p["containerPort"] for p in container.get("ports", []) if p["name"] == port)
    return int(number)


def test_every_process_has_health_probes(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    for deployment in of_kind(docs, "Deployment").values():
        expected_port = API_PORT if role_of(deployment) == "api" else HEALTH_PORT
        for container in containers_of(deployment):
            name = deployment["metadata"]["name"]
            for kind, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                probe = container.get(kind)
                assert probe, f"{name}: no {kind}"
                assert probe["httpGet"]["path"] == path, name
                assert _probe_port(container, probe) == expected_port, name


def test_every_container_has_requests_and_limits(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    for container in all_containers(docs):
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= resources.get(bound, {}).keys(), container["args"]


def test_every_pod_runs_locked_down(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    for doc in workloads(docs):
        spec = pod_spec(doc)
        pod_context = spec.get("securityContext", {})
        assert spec.get("automountServiceAccountToken") is False
        tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
        for container in containers_of(doc):
            context = container.get("securityContext", {})
            assert context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is True
            assert context.get("runAsUser", pod_context.get("runAsUser", 1)) != 0
            assert context.get("readOnlyRootFilesystem") is True
            assert context.get("allowPrivilegeEscalation") is False
            assert "ALL" in context.get("capabilities", {}).get("drop", [])
            assert not context.get("privileged", False)
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in tmp_volumes, f"{doc['metadata']['name']}: no /tmp"


def test_every_process_gets_the_shared_configuration(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    for doc in workloads(docs):
        container = app_container(doc)
        sources = container.get("envFrom", [])
        config_maps = {unhashed(s["configMapRef"]["name"]) for s in sources if "configMapRef" in s}
        secrets = {unhashed(s["secretRef"]["name"]) for s in sources if "secretRef" in s}
        assert config_maps == {CONFIG_MAP}, doc["metadata"]["name"]
        assert secrets == {SECRET}, doc["metadata"]["name"]
        env = {e["name"]: e for e in container.get("env", [])}
        assert "OTEL_SERVICE_NAME" in env, doc["metadata"]["name"]
        literal = [
            name
            for name, e in env.items()
            if ("PASSWORD" in name or "SECRET" in name)
            and unhashed(e.get("valueFrom", {}).get("secretKeyRef", {}).get("name", ""))
            not in {SECRET, PORTAL_SECRET}
        ]
        assert not literal, f"{doc['metadata']['name']}: take {literal} from the Secret"
    generated = {unhashed(d["metadata"]["name"]) for d in docs if d["kind"] == "ConfigMap"}
    assert CONFIG_MAP in generated


def test_shared_volumes_are_mounted_where_needed(rendered: tuple[str, list[Doc]]) -> None:
    source, docs = rendered
    claims = of_kind(docs, "PersistentVolumeClaim")
    if source != "dev":  # dev clusters have one node and often no ReadWriteMany class
        assert claims["fakturaportal-archive"]["spec"]["accessModes"] == ["ReadWriteMany"]
    for name, deployment in of_kind(docs, "Deployment").items():
        spec = pod_spec(deployment)
        claim_of = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in spec.get("volumes", [])
            if "persistentVolumeClaim" in v
        }
        mounted = {
            m["mountPath"]: claim_of.get(m["name"])
            for m in app_container(deployment).get("volumeMounts", [])
        }
        for claim in claim_of.values():
            assert claim in claims
        archive = mounted.get("/var/lib/fakturaportal/archive")
        outbox = mounted.get("/var/lib/fakturaportal/outbox")
        assert (archive == "fakturaportal-archive") == (name in ARCHIVE_USERS), name
        assert (outbox == "fakturaportal-payment-outbox") == (name in OUTBOX_USERS), name


def test_every_api_has_a_service(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    services = of_kind(docs, "Service")
    for name, deployment in of_kind(docs, "Deployment").items():
        if role_of(deployment) != "api":
            continue
        service = services[name]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        (port,) = service["spec"]["ports"]
        assert (port["port"], port["targetPort"]) == (API_PORT, "http")
        (container_port,) = app_container(deployment)["ports"]
        assert (container_port["name"], container_port["containerPort"]) == ("http", API_PORT)


def test_the_portal_is_the_only_way_in(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    portal_labels = of_kind(docs, "Deployment")["portal-api"]["spec"]["template"]["metadata"][
        "labels"
    ]
    for ingress in of_kind(docs, "Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] == "portal-api"
    deployments = of_kind(docs, "Deployment")
    # Reachable from outside: the portal (HTTP) and the e-mail channel (SMTP), nothing else.
    public = [
        deployments[name]["spec"]["template"]["metadata"]["labels"]
        for name in ("portal-api", "intake-mail")
    ]
    policies = of_kind(docs, "NetworkPolicy").values()
    assert any(p["spec"]["podSelector"] == {} for p in policies), "no policy covers every pod"
    for policy in policies:
        assert "Ingress" in policy["spec"]["policyTypes"]
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        for rule in policy["spec"].get("ingress", []):
            sources = rule.get("from")
            from_outside = sources is None or any(
                "namespaceSelector" in s or "ipBlock" in s for s in sources
            )
            if from_outside:
                assert selector, f"{policy['metadata']['name']} opens every pod to the outside"
                assert any(selector.items() <= labels.items() for labels in public), policy
    budgets = of_kind(docs, "PodDisruptionBudget")
    assert budgets["portal-api"]["spec"]["selector"]["matchLabels"].items() <= (
        portal_labels.items()
    )


def test_only_the_portal_holds_its_signing_key(rendered: tuple[str, list[Doc]]) -> None:
    """Services verify the portal's tokens by its public key; none of them can sign one."""
    _, docs = rendered
    holders = set()
    for name, deployment in of_kind(docs, "Deployment").items():
        for env in app_container(deployment).get("env", []):
            ref = (env.get("valueFrom") or {}).get("secretKeyRef") or {}
            if unhashed(ref.get("name", "")) == PORTAL_SECRET:
                assert env["name"] == ref["key"]
                holders.add((name, env["name"]))
    assert holders == {
        ("portal-api", "FP_PORTAL_SIGNING_KEY"),
        ("portal-api", "FP_PORTAL_SESSION_SECRET"),
        ("portal-api", "FP_PORTAL_OIDC_CLIENT_SECRET"),
        ("portal-notifier", "FP_PORTAL_SIGNING_KEY"),
    }
    maps = {unhashed(name): doc for name, doc in of_kind(docs, "ConfigMap").items()}
    config = maps[CONFIG_MAP]["data"]
    assert "FP_PORTAL_SIGNING_KEY" not in config
    assert config["FP_PORTAL_JWKS_URL"] == f"http://portal-api:{API_PORT}/.well-known/jwks.json"


def test_migrate_job_runs_before_rollout(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    job = of_kind(docs, "Job")["fakturaportal-migrate"]
    assert app_container(job)["args"] == ["fakturaportal.cli", "migrate"]
    assert pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}
    # README: `kubectl apply -k <overlay> -l fakturaportal.no/pre-rollout=true` first
    pre_rollout = {
        (d["kind"], unhashed(d["metadata"]["name"]))
        for d in docs
        if d["metadata"].get("labels", {}).get("fakturaportal.no/pre-rollout") == "true"
    }
    needed = {("Namespace", NAMESPACE), ("ConfigMap", CONFIG_MAP), ("Job", job["metadata"]["name"])}
    assert needed <= pre_rollout
    if any(d["kind"] == "Secret" for d in docs):
        assert ("Secret", SECRET) in pre_rollout


def test_the_migrate_job_creates_every_topic_the_services_use() -> None:
    """The Job runs `migrate`, which creates `all_topic_names()`: every event type with its
    dead-letter topic, `invoice-corrected` included, which the audit consumer records."""
    from services.audit.app import AuditApp
    from shared.schemas.topics import Topic, all_topic_names, dead_letter_topic

    names = all_topic_names()
    for topic in Topic:
        assert topic.value in names and dead_letter_topic(topic.value) in names
    assert Topic.INVOICE_CORRECTED in AuditApp.handlers


def test_links_in_mails_point_at_the_portals_public_host(rendered: tuple[str, list[Doc]]) -> None:
    """Login links and notices (portal api and notifier, both from the shared ConfigMap) name
    the host the Ingress serves; the overlay sets both."""
    _, docs = rendered
    (config,) = (
        d
        for d in docs
        if d["kind"] == "ConfigMap" and unhashed(d["metadata"]["name"]) == CONFIG_MAP
    )
    url = config["data"]["FP_PORTAL_PUBLIC_URL"]
    (rule,) = of_kind(docs, "Ingress")["portal"]["spec"]["rules"]
    assert url == f"https://{rule['host']}"
    for name in ("portal-api", "portal-notifier"):
        sources = app_container(of_kind(docs, "Deployment")[name]).get("envFrom", [])
        refs = {unhashed(s["configMapRef"]["name"]) for s in sources if "configMapRef" in s}
        assert CONFIG_MAP in refs, name


def test_everything_lives_in_the_namespace(rendered: tuple[str, list[Doc]]) -> None:
    _, docs = rendered
    assert of_kind(docs, "Namespace").keys() == {NAMESPACE}
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, doc["metadata"]["name"]


# --------------------------------------------------------------------------- overlays


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kustomize_builds_the_overlay(overlay: str) -> None:
    result = kustomize_build(f"overlays/{overlay}")
    assert result.returncode == 0, result.stderr
    assert "kind: Deployment" in result.stdout


def test_dev_runs_one_of_everything_from_the_dev_image() -> None:
    docs = docs_for("dev")
    for deployment in of_kind(docs, "Deployment").values():
        assert deployment["spec"].get("replicas", 1) == 1
    for hpa in of_kind(docs, "HorizontalPodAutoscaler").values():
        assert hpa["spec"]["maxReplicas"] == 1
    assert {c["image"].rsplit(":", 1)[1] for c in all_containers(docs)} == {"dev"}
    secrets = {unhashed(name) for name in of_kind(docs, "Secret")}
    assert secrets == {SECRET, PORTAL_SECRET}


def test_production_scales_out_with_a_pinned_image() -> None:
    docs = docs_for("production")
    images = {c["image"] for c in all_containers(docs)}
    assert len(images) == 1
    (image,) = images
    assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image
    assert image.rsplit(":", 1)[-1] not in {"latest", "dev"}
    deployments = of_kind(docs, "Deployment")
    for name, deployment in deployments.items():
        if role_of(deployment) in {"api", "consumer"} and name not in AUTOSCALED:
            assert deployment["spec"]["replicas"] >= 2, name
    assert OCR_WORKER in deployments
    assert not of_kind(docs, "Secret"), "production's Secret is created by operations"


def test_stand_in_renders_the_base_like_kustomize() -> None:
    real = [d for d in built_docs("base") if d["kind"] in {"Deployment", "Job"}]
    ours = [d for d in render(BASE) if d["kind"] in {"Deployment", "Job"}]

    def canonical(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items()}
        if isinstance(value, list):
            items = [canonical(v) for v in value]
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        if isinstance(value, str):
            return unhashed(value)
        return value

    def by_name(docs: list[Doc]) -> dict[str, Any]:
        return {d["metadata"]["name"]: canonical(pod_spec(d)) for d in docs}

    assert by_name(ours) == by_name(real)


# --------------------------------------------------------------------------- image


def test_dockerfile_builds_a_non_root_python_m_image() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    instructions = [
        line.strip() for line in text.replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]  # fmt: skip
    froms = [line for line in instructions if line.upper().startswith("FROM ")]
    assert len(froms) >= 2, "multi-stage build"
    assert re.search(r"python:3\.11-slim", text)
    assert 'ENTRYPOINT ["python", "-m"]' in instructions
    users = [line.split()[1] for line in instructions if line.upper().startswith("USER ")]
    assert users, "no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "numeric USER: runAsNonRoot cannot verify a user name"
    assert int(uid) != 0, "non-root USER"
    pod_defaults = load_docs(BASE / "patches" / "pod-defaults.yaml")[0]
    assert pod_spec(pod_defaults)["securityContext"]["runAsUser"] == int(uid)
    for package in ("tesseract-ocr", "tesseract-ocr-nor", "tesseract-ocr-eng"):
        assert re.search(rf"\b{re.escape(package)}(\s|$)", text), package
    assert "pyproject.toml" in text
    assert re.search(r"WORKDIR /app\b", text)


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "**/secrets.env"):
        assert entry in lines, entry
