"""deploy/: the manifests are accepted by an API server (the simulator) in a
server-side dry run, and the RBAC they grant is exactly what serve --http
--auth kubernetes needs."""
import subprocess

import yaml

from conftest import ROOT

MANIFESTS = ROOT / "deploy" / "kubernetes"


def test_manifests_pass_a_server_side_dry_run(standalone_sim):
    proc = subprocess.run(["kubectl", "--kubeconfig", str(standalone_sim.kubeconfig), "apply", "--dry-run=server",
                           "--validate=false", "-f", str(MANIFESTS)], capture_output=True, text=True, timeout=60)
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
