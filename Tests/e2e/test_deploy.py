"""deploy/: the manifests are accepted by an API server (the simulator) in a
server-side dry run, and the RBAC they grant is exactly what serve --http
--auth kubernetes needs."""
import subprocess

import pytest
import yaml

from conftest import ROOT

MANIFESTS = ROOT / "deploy" / "kubernetes"


def dry_run(sim, path):
    """kubectl's own default: the server validates strictly (fieldValidation=Strict)."""
    return subprocess.run(["kubectl", "--kubeconfig", str(sim.kubeconfig), "apply", "--dry-run=server", "-f", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_manifests_pass_a_server_side_dry_run(standalone_sim):
    proc = dry_run(standalone_sim, MANIFESTS)
    assert proc.returncode == 0, proc.stderr
    for kind in ["serviceaccount", "clusterrole.rbac.authorization.k8s.io", "clusterrolebinding.rbac.authorization.k8s.io",
                 "role.rbac.authorization.k8s.io", "rolebinding.rbac.authorization.k8s.io",
                 "deployment.apps", "service", "networkpolicy.networking.k8s.io", "poddisruptionbudget.policy"]:
        assert f"{kind}/kubeflow-mcp created (server dry run)" in proc.stdout
    # A dry run keeps nothing.
    got = subprocess.run(["kubectl", "--kubeconfig", str(standalone_sim.kubeconfig), "get", "deployments", "-A"],
                         capture_output=True, text=True, timeout=60)
    assert "kubeflow-mcp" not in got.stdout


def test_the_service_account_may_only_review_tokens_and_impersonate():
    docs = [d for f in MANIFESTS.glob("*.yaml") for d in yaml.safe_load_all(f.read_text()) if d]
    role = next(d for d in docs if d["kind"] == "ClusterRole")
    granted = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}
    assert granted == {("authentication.k8s.io", "tokenreviews", "create"), ("", "users", "impersonate"),
                       ("", "groups", "impersonate")}
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:5] == ["serve", "--http", "0.0.0.0:8080", "--auth", "kubernetes"]


def test_the_replicas_may_read_only_their_signing_key_secret():
    """The one Secret by name (create cannot be limited to a name in RBAC), and the ConfigMaps that
    record redeemed tokens, in the server's namespace only."""
    docs = [d for f in MANIFESTS.glob("*.yaml") for d in yaml.safe_load_all(f.read_text()) if d]
    role = next(d for d in docs if d["kind"] == "Role")
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    secret, namespace = args[args.index("--signing-key-secret") + 1], args[args.index("--signing-key-namespace") + 1]
    assert role["metadata"]["namespace"] == namespace == deployment["metadata"]["namespace"]
    granted = {(r, v, tuple(rule.get("resourceNames", []))) for rule in role["rules"] for r in rule["resources"]
               for v in rule["verbs"]}
    assert granted == {("secrets", "get", (secret,)), ("secrets", "create", ()), ("configmaps", "get", ()),
                       ("configmaps", "list", ()), ("configmaps", "create", ()), ("configmaps", "delete", ())}
    binding = next(d for d in docs if d["kind"] == "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "kubeflow-mcp", "namespace": namespace}]


def test_the_deployment_survives_rollouts_and_drains():
    """Two replicas, one kept through voluntary disruptions, probes on /readyz and /healthz,
    a grace period above the drain, the audit on stdout (no volume to lose)."""
    docs = [d for f in MANIFESTS.glob("*.yaml") for d in yaml.safe_load_all(f.read_text()) if d]
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] >= 2 and spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    args = container["args"]
    drain = int(args[args.index("--drain-seconds") + 1])
    assert drain < pod["terminationGracePeriodSeconds"]
    assert args[args.index("--audit-log") + 1] == "-" and "volumes" not in pod
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    pdb = next(d for d in docs if d["kind"] == "PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1" and pdb["spec"]["minAvailable"] >= 1
    assert pdb["spec"]["minAvailable"] < spec["replicas"]
    assert pdb["spec"]["selector"]["matchLabels"] == spec["selector"]["matchLabels"]
    service = next(d for d in docs if d["kind"] == "Service")
    assert service["spec"]["sessionAffinity"] == "ClientIP"


def broken_copy(tmp_path, kind, breaks):
    """deploy/kubernetes with one object changed by `breaks` (it edits the object in place)."""
    docs = [d for f in sorted(MANIFESTS.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    breaks(next(d for d in docs if d["kind"] == kind))
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return path


def drop(mapping, key):
    del mapping[key]


BROKEN = {
    # kube-apiserver's texts: strict decoding (400), Go decoding (400), validation (422).
    "an unknown field": ("Deployment", lambda d: d["spec"].update(replicaz=2),
                         'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
                         'unknown field "spec.replicaz"'),
    "an unknown container field": ("Deployment", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(imagePullPolice="Always"),
                                   'unknown field "spec.template.spec.containers[0].imagePullPolice"'),
    "a string for an int32": ("Deployment", lambda d: d["spec"].update(replicas="two"),
                              "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
    "an object for a list": ("Deployment", lambda d: d["spec"]["template"]["spec"].update(containers={"name": "x"}),
                             "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers "
                             "of type []v1.Container"),
    "no selector": ("Deployment", lambda d: drop(d["spec"], "selector"),
                    'The Deployment "kubeflow-mcp" is invalid: spec.selector: Required value'),
    "a selector that misses the template": ("Deployment", lambda d: d["spec"]["selector"]["matchLabels"].update(tier="web"),
                                            "spec.template.metadata.labels: Invalid value: "
                                            'map[string]string{"app.kubernetes.io/name":"kubeflow-mcp"}: '
                                            "`selector` does not match template `labels`"),
    "no containers": ("Deployment", lambda d: drop(d["spec"]["template"]["spec"], "containers"),
                      "spec.template.spec.containers: Required value"),
    "a container without a name": ("Deployment", lambda d: drop(d["spec"]["template"]["spec"]["containers"][0], "name"),
                                   "spec.template.spec.containers[0].name: Required value"),
    "a PDB with both bounds": ("PodDisruptionBudget", lambda d: d["spec"].update(maxUnavailable=1),
                               "minAvailable and maxUnavailable cannot be both set"),
    "a PDB field misspelt": ("PodDisruptionBudget", lambda d: d["spec"].update(minAvailible=1),
                             'PodDisruptionBudget in version "v1" cannot be handled as a PodDisruptionBudget: '
                             'strict decoding error: unknown field "spec.minAvailible"'),
    "a Service port as a list": ("Service", lambda d: d["spec"]["ports"][0].update(port=[8080]),
                                 "json: cannot unmarshal array into Go struct field ServicePort.spec.ports.port of type int32"),
    "a ServiceAccount field misspelt": ("ServiceAccount", lambda d: d.update(automountServiceAccountTokens=False),
                                        'unknown field "automountServiceAccountTokens"'),
    "a ClusterRole rule without verbs": ("ClusterRole", lambda d: drop(d["rules"][0], "verbs"),
                                         "rules[0].verbs: Required value"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_copy_is_refused_as_kube_apiserver_refuses_it(standalone_sim, tmp_path, case):
    kind, breaks, expected = BROKEN[case]
    proc = dry_run(standalone_sim, broken_copy(tmp_path, kind, breaks))
    assert proc.returncode != 0, proc.stdout
    assert expected in proc.stderr, proc.stderr
