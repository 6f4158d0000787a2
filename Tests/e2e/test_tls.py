"""The cluster simulator over TLS (`kubeflow-mcp sim --tls`), driven by the built
binary's Kubernetes client with every way a kubeconfig or a pod authenticates:
(a) client certificates, (b) bearer tokens, (c) an exec credential plugin,
(d) the in-cluster service-account layout. Real kubectl is the independent witness.

Every certificate is made here, in tmp, with the openssl command: a throwaway CA,
a server certificate for 127.0.0.1 signed by it, a client certificate CN=admin
signed by it, and a second CA with a client certificate of its own."""
import base64
import http.client
import json
import os
import ssl
import subprocess
from pathlib import Path

import pytest

from conftest import StandaloneSim, run_cli
from mcp_client import run, session

EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def openssl(cwd: Path, *args: str):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d: Path, name: str):
    openssl(d, "req", "-x509", *EC, "-days", "1", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.crt")


def make_cert(d: Path, name: str, subject: str, ca: str, extensions: str = ""):
    """A certificate `name.crt` (key `name.key`) for `subject`, signed by CA `ca`."""
    openssl(d, "req", "-new", *EC, "-subj", subject, "-keyout", f"{name}.key", "-out", f"{name}.csr")
    ext = []
    if extensions:
        (d / f"{name}.ext").write_text(extensions + "\n")
        ext = ["-extfile", f"{name}.ext"]
    openssl(d, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "1", *ext, "-out", f"{name}.crt")


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    make_ca(d, "ca")
    make_cert(d, "server", "/CN=kubeflow-sim", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost")
    make_cert(d, "admin", "/O=system:masters/CN=admin", "ca")
    make_ca(d, "other-ca")
    make_cert(d, "intruder", "/CN=admin", "other-ca")
    return d


@pytest.fixture
def tls_sim(tmp_path, pki):
    sim = StandaloneSim(tmp_path, "--tls-cert", str(pki / "server.crt"), "--tls-key", str(pki / "server.key"),
                        "--client-ca", str(pki / "ca.crt"))
    yield sim
    sim.stop()


def b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def kubeconfig(path: Path, server: str, ca: Path, user: dict, namespace: str = "default") -> Path:
    """A kubeconfig trusting `ca` for `server`, with `user` as the user entry (JSON is YAML)."""
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "tls",
        "clusters": [{"name": "tls", "cluster": {"server": server, "certificate-authority-data": b64(ca)}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "tls", "context": {"cluster": "tls", "user": "u", "namespace": namespace}}],
    }))
    path.chmod(0o600)
    return path


def client_cert_user(pki: Path, name: str) -> dict:
    return {"client-certificate-data": b64(pki / f"{name}.crt"), "client-key-data": b64(pki / f"{name}.key")}


def doctor(config: Path, env=None) -> subprocess.CompletedProcess:
    return run_cli("doctor", "--kubeconfig", str(config), env=env, check=False)


def assert_cluster_info(*args: str, env=None):
    async def body():
        async with session(*args, env=env) as s:
            r = await s.call_tool("get_cluster_info", {})
            assert not r.is_error, r.content[0].text
            assert r.structured_content["reachable"] is True
            assert r.structured_content["trainer_version"] == "2.3.0"
    run(body)


def test_sim_serves_https_and_writes_a_kubeconfig_that_trusts_it(tls_sim):
    assert tls_sim.url.startswith("https://127.0.0.1:")
    assert "certificate-authority-data" in tls_sim.kubeconfig.read_text()
    out = run_cli("doctor", "--kubeconfig", str(tls_sim.kubeconfig)).stdout
    assert "API server answers" in out and "may create trainjobs in default: yes" in out


def test_a_client_certificate_authenticates_as_its_common_name(tls_sim, pki, tmp_path):
    config = kubeconfig(tmp_path / "cert", tls_sim.url, pki / "ca.crt", client_cert_user(pki, "admin"))
    proc = doctor(config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "API server answers" in proc.stdout
    assert "identity:  admin" in proc.stdout
    assert "may create trainjobs in default: yes" in proc.stdout
    assert_cluster_info("--kubeconfig", str(config))

    # Real kubectl, as an independent witness of the TLS and the client certificate.
    nodes = subprocess.run(["kubectl", "--kubeconfig", str(config), "get", "nodes", "-o", "name"],
                           capture_output=True, text=True, timeout=60)
    assert nodes.returncode == 0, nodes.stderr
    assert "node/gpu-h100-node-1" in nodes.stdout


def test_a_client_certificate_from_another_ca_is_refused(tls_sim, pki, tmp_path):
    config = kubeconfig(tmp_path / "intruder", tls_sim.url, pki / "ca.crt", client_cert_user(pki, "intruder"))
    proc = doctor(config)
    assert proc.returncode != 0
    assert "TLS" in proc.stdout and "certificate" in proc.stdout, proc.stdout
    assert "API server answers" not in proc.stdout


def test_the_server_certificate_is_verified(tls_sim, pki, tmp_path):
    config = kubeconfig(tmp_path / "wrong-ca", tls_sim.url, pki / "other-ca.crt", {"token": "kfsim-admin-token"})
    proc = doctor(config)
    assert proc.returncode != 0
    assert "TLS" in proc.stdout and "not trusted" in proc.stdout, proc.stdout
    assert "kfsim-admin-token" not in proc.stdout + proc.stderr


def test_bearer_tokens_over_tls(tls_sim, pki, tmp_path):
    admin = kubeconfig(tmp_path / "admin", tls_sim.url, pki / "ca.crt", {"token": "kfsim-admin-token"})
    out = run_cli("doctor", "--kubeconfig", str(admin)).stdout
    assert "API server answers" in out and "may create trainjobs in default: yes" in out
    assert_cluster_info("--kubeconfig", str(admin))

    alice = kubeconfig(tmp_path / "alice", tls_sim.url, pki / "ca.crt", {"token": "kfsim-data-scientist-token"})
    out = doctor(alice).stdout
    assert "identity:  alice" in out
    assert "may create trainjobs in default: no" in out
    assert "kfsim-data-scientist-token" not in out

    # No credentials at all: over TLS there is no anonymous user by default.
    nobody = kubeconfig(tmp_path / "nobody", tls_sim.url, pki / "ca.crt", {})
    proc = doctor(nobody)
    assert proc.returncode != 0


def test_an_exec_credential_plugin(tls_sim, pki, tmp_path):
    plugin = tmp_path / "credential-plugin.sh"
    plugin.write_text("#!/bin/sh\n"
                      "cat <<'EOF'\n"
                      '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",\n'
                      ' "status": {"token": "kfsim-admin-token"}}\n'
                      "EOF\n")
    plugin.chmod(0o755)
    config = kubeconfig(tmp_path / "exec", tls_sim.url, pki / "ca.crt", {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin), "interactiveMode": "Never"}})
    proc = doctor(config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "API server answers" in proc.stdout and "may create trainjobs in default: yes" in proc.stdout
    assert_cluster_info("--kubeconfig", str(config))


def test_the_in_cluster_service_account_layout(tls_sim, pki, tmp_path):
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("kfsim-admin-token")
    (account / "ca.crt").write_bytes((pki / "ca.crt").read_bytes())
    (account / "namespace").write_text("ml-team-dev")
    home = tmp_path / "home"
    home.mkdir()
    port = tls_sim.url.rsplit(":", 1)[-1]
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": "", "KFMCP_INCLUSTER_DIR": str(account),
           "KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port}

    proc = run_cli("doctor", env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "config:    in-cluster" in proc.stdout
    assert f"server:    https://127.0.0.1:{port}" in proc.stdout
    assert "may create trainjobs in ml-team-dev: yes" in proc.stdout
    assert "kfsim-admin-token" not in proc.stdout + proc.stderr
    assert_cluster_info(env=env)


def test_watches_stream_through_the_tls_front_door(tls_sim, pki, tmp_path):
    """An open-ended response (watch) flows through the relay as it is written,
    on a connection authenticated by its client certificate (Python's ssl module)."""
    config = kubeconfig(tmp_path / "cert", tls_sim.url, pki / "ca.crt", client_cert_user(pki, "admin"))
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    host, port = tls_sim.url.removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
    try:
        connection.request("GET", "/api/v1/namespaces/default/configmaps?watch=true")
        response = connection.getresponse()
        assert response.status == 200
        for name in ("tls-watch-1", "tls-watch-2"):
            manifest = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n"
            subprocess.run(["kubectl", "--kubeconfig", str(config), "create", "--validate=false", "-f", "-"],
                           input=manifest, capture_output=True, text=True, check=True, timeout=60)
            event = json.loads(response.readline())
            assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == name
    finally:
        connection.close()


def test_sim_tls_without_a_certificate_makes_a_throwaway_one(tmp_path):
    sim = StandaloneSim(tmp_path, "--tls")
    try:
        assert sim.url.startswith("https://")
        nodes = subprocess.run(["kubectl", "--kubeconfig", str(sim.kubeconfig), "get", "nodes", "-o", "name"],
                               capture_output=True, text=True, timeout=60)
        assert nodes.returncode == 0, nodes.stderr
        assert "node/gpu-a100-node-1" in nodes.stdout
    finally:
        sim.stop()
