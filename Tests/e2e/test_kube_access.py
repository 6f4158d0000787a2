"""The cluster simulator checked by independent clients (real kubectl, the Python
`kubernetes` client), and the host's Kubernetes access through the built binary:
kubeconfig, doctor, error sentences."""
import json
import subprocess
import time

import pytest
from kubernetes import client as k8s, config as k8s_config

from conftest import run_cli
from mcp_client import run, session

JOB = """apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata:
  name: kubectl-job
  namespace: default
spec:
  runtimeRef:
    name: torch-distributed
  trainer:
    image: ghcr.io/myorg/trainer:v1
    numNodes: 1
    resourcesPerNode:
      requests: {nvidia.com/gpu: 1}
      limits: {nvidia.com/gpu: 1}
"""


def kubectl(sim, *args, check=True):
    return subprocess.run(["kubectl", "--kubeconfig", str(sim.kubeconfig), *args],
                          capture_output=True, text=True, check=check, timeout=60)


def test_kubectl_sees_what_a_cluster_shows(tmp_path, standalone_sim):
    nodes = json.loads(kubectl(standalone_sim, "get", "nodes", "-o", "json").stdout)["items"]
    gpus = {n["metadata"]["name"]: n["status"]["capacity"].get("nvidia.com/gpu") for n in nodes}
    assert gpus["gpu-h100-node-1"] == "8" and gpus["gpu-a100-node-1"] == "4"
    assert "No resources found" in kubectl(standalone_sim, "get", "trainjobs", "-A").stderr

    manifest = tmp_path / "job.yaml"
    manifest.write_text(JOB)
    created = kubectl(standalone_sim, "create", "--validate=false", "-f", str(manifest))
    assert "trainjob.trainer.kubeflow.org/kubectl-job created" in created.stdout
    assert "kubectl-job" in kubectl(standalone_sim, "get", "trainjobs", "-A").stdout
    again = kubectl(standalone_sim, "create", "--validate=false", "-f", str(manifest), check=False)
    assert again.returncode != 0 and "AlreadyExists" in again.stderr

    # Wait for the controller to run the node pod, then read its log with kubectl.
    pod = None
    for _ in range(300):
        pods = json.loads(kubectl(standalone_sim, "get", "pods", "-l",
                                  "jobset.sigs.k8s.io/jobset-name=kubectl-job", "-o", "json").stdout)["items"]
        running = [p for p in pods if p["status"].get("phase") in ("Running", "Succeeded")
                   and p["metadata"]["labels"]["jobset.sigs.k8s.io/replicatedjob-name"] == "node"]
        if running:
            pod = running[0]["metadata"]["name"]
            break
        time.sleep(0.1)
    assert pod, "the node pod never started"
    for _ in range(300):
        logs = kubectl(standalone_sim, "logs", pod, "-c", "node").stdout
        if "loss" in logs:
            break
        time.sleep(0.1)
    assert "loss" in logs


def test_python_kubernetes_client_lists_pods_by_label(standalone_sim):
    subprocess.run(["kubectl", "--kubeconfig", str(standalone_sim.kubeconfig), "create", "--validate=false", "-f", "-"],
                   input=JOB, text=True, check=True, capture_output=True)
    api = k8s.CoreV1Api(k8s_config.new_client_from_config(config_file=str(standalone_sim.kubeconfig)))
    for _ in range(300):
        pods = api.list_namespaced_pod("default", label_selector="jobset.sigs.k8s.io/jobset-name=kubectl-job")
        if pods.items:
            break
        time.sleep(0.1)
    assert pods.items
    assert all(p.metadata.labels["jobset.sigs.k8s.io/jobset-name"] == "kubectl-job" for p in pods.items)
    none = api.list_namespaced_pod("default", label_selector="jobset.sigs.k8s.io/jobset-name=other")
    assert none.items == []
    ns = {n.metadata.name for n in api.list_namespace().items}
    assert {"default", "kubeflow-system", "ml-team-dev", "ml-team-prod"} <= ns


def test_doctor_reports_config_api_trainer_and_permissions(standalone_sim, tmp_path):
    out = run_cli("doctor", "--kubeconfig", str(standalone_sim.kubeconfig)).stdout
    assert "API server answers: Kubernetes v1.32" in out
    assert "Kubeflow Trainer CRDs: trainjobs, trainingruntimes, clustertrainingruntimes" in out
    assert "Kubeflow Trainer version: 2.3.0" in out
    assert "may create trainjobs in default: yes" in out

    alice = standalone_sim.kubeconfig_for(tmp_path / "alice", "kfsim-data-scientist-token", namespace="ml-team-prod")
    out = run_cli("doctor", "--kubeconfig", str(alice), check=False).stdout
    assert "may create trainjobs in ml-team-prod: no" in out
    assert "kfsim-data-scientist-token" not in out


def test_doctor_checks_come_from_plugins_not_the_host(standalone_sim):
    """Without plugins doctor checks only Kubernetes; a plugin's checks arrive
    through a tool call, whose doctor argument is validated like any other."""
    out = run_cli("doctor", "--kubeconfig", str(standalone_sim.kubeconfig), "--no-default-plugins").stdout
    assert "API server answers" in out and "identity:" in out
    assert "trainer" not in out.lower() and "trainjobs" not in out
    refused = run_cli("tools", "call", "get_cluster_info", "--kubeconfig", str(standalone_sim.kubeconfig),
                      "--args", '{"doctor": "yes; rm -rf /"}', check=False)
    assert refused.returncode == 1 and "doctor" in refused.stderr
    checks = json.loads(run_cli("tools", "call", "get_cluster_info", "--kubeconfig", str(standalone_sim.kubeconfig),
                                "--args", '{"doctor": true}').stdout)["checks"]
    assert all(c["ok"] is True for c in checks) and len(checks) == 5


def test_error_sentences_through_the_host(standalone_sim, tmp_path):
    wrong = standalone_sim.kubeconfig_for(tmp_path / "wrong", "not-a-valid-token")
    proc = run_cli("doctor", "--kubeconfig", str(wrong), check=False)
    assert proc.returncode != 0
    assert "not-a-valid-token" not in proc.stdout + proc.stderr

    alice = standalone_sim.kubeconfig_for(tmp_path / "alice", "kfsim-data-scientist-token", namespace="ml-team-dev")

    async def body():
        async with session("--kubeconfig", str(alice)) as s:
            r = await s.call_tool("list_training_jobs", {"namespace": "ml-team-prod"})
            assert r.is_error
            text = r.content[0].text
            assert "alice" in text and "list" in text and "trainjobs" in text and "ml-team-prod" in text
            r = await s.call_tool("get_training_job", {"job_id": "nope"})
            assert r.is_error and "nope" in r.content[0].text and "does not exist" in r.content[0].text
    run(body)

    unreachable = standalone_sim.kubeconfig_for(tmp_path / "down", "x")
    unreachable.write_text(unreachable.read_text().replace(standalone_sim.url, "http://127.0.0.1:1"))
    proc = run_cli("doctor", "--kubeconfig", str(unreachable), check=False)
    assert proc.returncode != 0 and "127.0.0.1:1" in proc.stdout


def test_missing_kubeconfig_is_a_clear_error(tmp_path):
    proc = run_cli("doctor", "--kubeconfig", str(tmp_path / "missing"), check=False)
    assert proc.returncode != 0
    assert "does not exist" in proc.stderr + proc.stdout


def test_serve_without_any_configuration_uses_the_embedded_simulator(tmp_path):
    env = {"HOME": str(tmp_path), "KUBECONFIG": ""}

    async def body():
        async with session(env=env) as s:
            r = await s.call_tool("get_cluster_info", {})
            assert r.structured_content["reachable"] is True
            assert r.structured_content["trainer_version"] == "2.3.0"
    run(body)
