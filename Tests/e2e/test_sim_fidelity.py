"""The simulator fails where a real cluster fails, the same way, seen through kubectl (1.32,
no --validate=false) and through our tools; and the planner agrees with the simulator on
what Kubeflow Trainer v2.3.0 does with a torchtune job."""
import json
import subprocess
import textwrap

import anyio
import pytest

from conftest import StandaloneSim
from mcp_client import session
from trainer_support import sim_server

TRAINJOB = """
apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata: {{name: {name}}}
spec:
  runtimeRef: {{name: torch-distributed}}
{extra}"""


def node_patch(pod_spec: str) -> str:
    """spec.runtimePatches as the SDK's RuntimePatch writes them, on the node pods."""
    return "  runtimePatches:\n  - manager: trainer.kubeflow.org/kubeflow-sdk\n    trainingRuntimeSpec:\n" \
           "      template:\n        spec:\n          replicatedJobs:\n          - name: node\n            template:\n" \
           "              spec:\n                template:\n                  spec:\n" \
           + textwrap.indent(textwrap.dedent(pod_spec).strip(), " " * 20) + "\n"


FAILING = {
    "no-secret": "  trainer:\n    env:\n    - name: HF_TOKEN\n      valueFrom: {secretKeyRef: {name: absent, key: token}}\n",
    "no-key": "  trainer:\n    env:\n    - name: HF_TOKEN\n      valueFrom: {secretKeyRef: {name: present, key: missing}}\n",
    "no-sa": node_patch("serviceAccountName: trainer-sa"),
    "private": "  trainer:\n    image: registry.internal.example.com/ml/train:1.0\n",
    "no-node": node_patch("nodeSelector: {nvidia.com/gpu.product: TPU-v5}"),
}


@pytest.fixture
def sim(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(textwrap.dedent("""
        nodes:
          - {name: gpu-node-1, gpus: 8, gpuProduct: NVIDIA-H100-80GB-HBM3}
          - {name: reserved-node, gpus: 8, taints: [{key: dedicated, value: team-a, effect: NoSchedule}]}
        objects:
          - {apiVersion: v1, kind: Secret, metadata: {name: present, namespace: default}, stringData: {token: x}}
        """))
    s = StandaloneSim(tmp_path, "--time-scale", "300", "--seed", str(seed))
    yield s
    s.stop()


def kubectl(sim, *args, stdin=None, check=True):
    proc = subprocess.run(["kubectl", "--kubeconfig", str(sim.kubeconfig), *args], input=stdin,
                          capture_output=True, text=True, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def wait_for(what, probe, timeout=30):
    async def loop():
        with anyio.move_on_after(timeout):
            while not (result := probe()):
                await anyio.sleep(0.1)
            return result
    result = anyio.run(loop)
    assert result, f"timed out waiting for {what}"
    return result


def test_kubectl_creates_validates_and_prints_tables(sim):
    assert "namespace/team-a created" in kubectl(sim, "create", "namespace", "team-a").stdout
    assert "secret/s created" in kubectl(sim, "-n", "team-a", "create", "secret", "generic", "s",
                                         "--from-literal=k=v").stdout
    bad_ns = kubectl(sim, "create", "namespace", "Team_A", check=False)
    assert bad_ns.returncode != 0 and "a lowercase RFC 1123 label must consist of" in bad_ns.stderr

    ok = kubectl(sim, "create", "-f", "-", stdin=TRAINJOB.format(name="plain", extra=""))
    assert "trainjob.trainer.kubeflow.org/plain created" in ok.stdout
    unknown = kubectl(sim, "create", "-f", "-", check=False,
                      stdin=TRAINJOB.format(name="typo", extra="  numNode: 2\n"))
    assert 'strict decoding error: unknown field "spec.numNode"' in unknown.stderr
    label = kubectl(sim, "create", "-f", "-", check=False,
                    stdin=TRAINJOB.format(name="labels", extra="").replace("{name: labels}",
                                                                           '{name: labels, labels: {"bad key!": x}}'))
    assert 'The TrainJob "labels" is invalid: metadata.labels: Invalid value: "bad key!"' in label.stderr

    table = wait_for("plain to complete", lambda: (out := kubectl(sim, "get", "trainjobs").stdout)
                     and "Complete" in out and out)
    assert table.split("\n")[0].split() == ["NAME", "STATE", "AGE"]
    pods = kubectl(sim, "get", "pods").stdout
    assert pods.split("\n")[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] and "Completed" in pods


def test_failures_a_real_cluster_gives_seen_through_kubectl(sim):
    for name, extra in FAILING.items():
        kubectl(sim, "create", "-f", "-", stdin=TRAINJOB.format(name=name, extra=extra))

    def pod_status(job):
        out = kubectl(sim, "get", "pods", "-l", f"jobset.sigs.k8s.io/jobset-name={job}").stdout
        return out.split("\n")[1].split()[2] if out.count("\n") > 1 else None

    assert wait_for("no-secret", lambda: pod_status("no-secret") == "CreateContainerConfigError")
    assert wait_for("no-key", lambda: pod_status("no-key") == "CreateContainerConfigError")
    assert wait_for("private", lambda: pod_status("private") == "ImagePullBackOff")
    assert wait_for("no-node", lambda: pod_status("no-node") == "Pending")
    assert pod_status("no-sa") is None  # the Job controller could not create the pod

    events = json.loads(kubectl(sim, "get", "events", "-o", "json").stdout)["items"]

    def said(obj_prefix, reason):
        return [e["message"] for e in events
                if e["involvedObject"]["name"].startswith(obj_prefix) and e["reason"] == reason]

    assert 'Error: secret "absent" not found' in said("no-secret-node", "Failed")
    assert "Error: couldn't find key missing in Secret default/present" in said("no-key-node", "Failed")
    assert any("error looking up service account default/trainer-sa: serviceaccount \"trainer-sa\" not found" in m
               for m in said("no-sa-node-0", "FailedCreate"))
    assert "Error: ImagePullBackOff" in said("private-node", "Failed")
    assert any("2 node(s) didn't match Pod's node affinity/selector" in m for m in said("no-node-node", "FailedScheduling"))

    pod = json.loads(kubectl(sim, "get", "pods", "-l", "jobset.sigs.k8s.io/jobset-name=no-node", "-o", "json").stdout)
    assert pod["items"][0]["spec"]["nodeSelector"] == {"nvidia.com/gpu.product": "TPU-v5"}  # the patch is applied

    # With a pull secret for the private registry (kubectl sends it as protobuf), the image pulls.
    kubectl(sim, "create", "secret", "docker-registry", "internal-pull", "--docker-server=registry.internal.example.com",
            "--docker-username=u", "--docker-password=p")
    pulls = FAILING["private"] + node_patch("imagePullSecrets: [{name: internal-pull}]")
    kubectl(sim, "create", "-f", "-", stdin=TRAINJOB.format(name="private-ok", extra=pulls))
    wait_for("private-ok to complete", lambda: "Complete" in kubectl(sim, "get", "trainjob", "private-ok").stdout)

    # A service account created later: a fresh job using it runs.
    kubectl(sim, "create", "serviceaccount", "trainer-sa")
    kubectl(sim, "create", "-f", "-", stdin=TRAINJOB.format(name="with-sa", extra=FAILING["no-sa"]))
    wait_for("with-sa to complete", lambda: "Complete" in kubectl(sim, "get", "trainjob", "with-sa").stdout)


def test_taints_need_tolerations(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("nodes:\n  - {name: only-node, gpus: 4, taints: [{key: dedicated, value: a, effect: NoSchedule}]}\n")
    sim = StandaloneSim(tmp_path, "--time-scale", "300", "--seed", str(seed))
    try:
        kubectl(sim, "create", "-f", "-", stdin=TRAINJOB.format(name="intolerant", extra=""))
        tolerant = node_patch("tolerations: [{key: dedicated, operator: Equal, value: a, effect: NoSchedule}]")
        kubectl(sim, "create", "-f", "-", stdin=TRAINJOB.format(name="tolerant", extra=tolerant))
        wait_for("tolerant to complete", lambda: "Complete" in kubectl(sim, "get", "trainjob", "tolerant").stdout)
        events = kubectl(sim, "get", "events", "--field-selector", "reason=FailedScheduling").stdout
        assert "1 node(s) had untolerated taint {dedicated: a}" in events
    finally:
        sim.stop()


def test_our_tools_name_the_reason(sim, tmp_path):
    for name in ("no-secret", "no-sa", "private", "no-node"):
        kubectl(sim, "create", "-f", "-", stdin=TRAINJOB.format(name=name, extra=FAILING[name]))

    async def body():
        async with sim_server(tmp_path, kubeconfig=sim.kubeconfig) as server:
            async def reason(job):
                async def probe():
                    j = await server.job(job)
                    return j.get("problems")
                return (await server.until(f"{job} problems", probe))[0]

            assert (await reason("no-secret"))["reason"] == "CreateContainerConfigError"
            assert (await reason("private"))["reason"] == "ImagePullBackOff"
            unschedulable = await reason("no-node")
            assert unschedulable["reason"] == "Unschedulable" and "node affinity/selector" in unschedulable["message"]
            missing_sa = await reason("no-sa")
            assert missing_sa["reason"] == "FailedCreate" and 'serviceaccount "trainer-sa" not found' in missing_sa["message"]

            events = (await server.ok("get_job_events", {"job_id": "no-secret"}))["events"]
            assert any(e["message"] == 'Error: secret "absent" not found' for e in events)
            events = (await server.ok("get_job_events", {"job_id": "no-sa"}))["events"]
            assert any(e["reason"] == "FailedCreate" for e in events)

    anyio.run(body)

    async def preflight():
        # Pre-flight catches the missing Secret it can know about: a gated model's token.
        async with session("--kubeconfig", str(sim.kubeconfig)) as s:
            r = await s.call_tool("check_prerequisites", {"model": "meta-llama/Llama-3.2-1B-Instruct",
                                                          "dataset": "tatsu-lab/alpaca",
                                                          "runtime": "torchtune-llama3.2-1b"})
            return r.structured_content
    pre = anyio.run(preflight)
    assert pre["ready"] is False and "hf-token" in json.dumps(pre)


def test_planner_and_simulator_agree_on_torchtune_nodes(sim, tmp_path):
    job = {"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": {"name": "two-nodes"},
           "spec": {"runtimeRef": {"name": "torchtune-llama3.2-1b"},
                    "trainer": {"command": ["tune", "run"], "numNodes": 2, "args": ["epochs=1"]}}}

    async def plan():
        async with session("--kubeconfig", str(sim.kubeconfig)) as s:
            r = await s.call_tool("validate_config", {
                "model": "hf://meta-llama/Llama-3.2-1B-Instruct", "dataset": "hf://tatsu-lab/alpaca",
                "runtime": "torchtune-llama3.2-1b", "method": "full", "num_nodes": 2})
            return r.structured_content
    verdict = anyio.run(plan)
    assert [e["field"] for e in verdict["errors"]] == ["num_nodes"]

    # v2.3.0 runs the torchtune rules whenever the command is `tune run` (numProcPerNode or not):
    # denied at creation, and the planner quotes the webhook word for word.
    refused = kubectl(sim, "create", "-f", "-", stdin=json.dumps(job), check=False)
    assert refused.returncode != 0
    prefix = 'Error from server (Forbidden): error when creating "STDIN": '
    assert refused.stderr.startswith(prefix)
    denial = refused.stderr[len(prefix):].strip()
    assert denial == ('admission webhook "validator.trainjob.trainer.kubeflow.org" denied the request: '
                      "spec.trainer.numNodes: Invalid value: 2: must be 1 for llama3_2/1B model")
    assert denial in verdict["errors"][0]["message"]
    assert "two-nodes" not in kubectl(sim, "get", "trainjobs").stdout


def test_webhook_reserves_torchrun_env(sim):
    body = TRAINJOB.format(name="pet", extra="  trainer:\n    numProcPerNode: 2\n    env: [{name: PET_NNODES, value: '3'}]\n")
    refused = kubectl(sim, "create", "-f", "-", stdin=body, check=False)
    assert "must not have reserved envs, invalid envs configured: [PET_NNODES]" in refused.stderr
    # Torch.Validate checks the env whether numProcPerNode is set or not.
    refused = kubectl(sim, "create", "-f", "-", stdin=body.replace("    numProcPerNode: 2\n", ""), check=False)
    assert "must not have reserved envs, invalid envs configured: [PET_NNODES]" in refused.stderr


def test_webhook_denials_reach_the_python_client_as_403(sim):
    """What `kubernetes.client` (the SDK's own transport) sees for the denials our tools used to
    provoke: initializers on a runtime without initializer jobs, Secret env in a node patch."""
    from kubernetes import client as k8s, config as k8s_config
    api = k8s.CustomObjectsApi(k8s_config.new_client_from_config(config_file=str(sim.kubeconfig)))

    def create(name, spec):
        body = {"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": {"name": name},
                "spec": {"runtimeRef": {"name": "torch-distributed"}, **spec}}
        with pytest.raises(k8s.ApiException) as denied:
            api.create_namespaced_custom_object("trainer.kubeflow.org", "v1alpha1", "default", "trainjobs", body)
        assert denied.value.status == 403
        status = json.loads(denied.value.body)
        assert {k: status[k] for k in ("kind", "apiVersion", "status", "reason", "code")} == {
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403}
        assert status["message"].startswith('admission webhook "validator.trainjob.trainer.kubeflow.org" denied the request: ')
        return status["message"]

    message = create("with-initializers", {"initializer": {"model": {"storageUri": "hf://Qwen/Qwen2.5-0.5B"},
                                                           "dataset": {"storageUri": "hf://tatsu-lab/alpaca"}}})
    assert "must have dataset-initializer job when trainJob is configured with input datasetConfig" in message
    assert "must have model-initializer job when trainJob is configured with input modelConfig" in message

    patch = {"manager": "trainer.kubeflow.org/kubeflow-sdk", "trainingRuntimeSpec": {"template": {"spec": {"replicatedJobs": [
        {"name": "node", "template": {"spec": {"template": {"spec": {"containers": [
            {"name": "node", "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "present", "key": "token"}}}]}]}}}}}]}}}}
    message = create("secret-env-patch", {"runtimePatches": [patch]})
    # The value is the patches as the defaulting webhook left them (each stamped with its time).
    assert 'denied the request: spec.runtimePatches: Invalid value: [{"manager":"trainer.kubeflow.org/kubeflow-sdk","time":"' in message
    assert message.endswith(": must not have envs for the dataset-initializer, model-initializer, node containers")

    # The same env in spec.trainer.env is what the webhook lets through.
    admitted = api.create_namespaced_custom_object("trainer.kubeflow.org", "v1alpha1", "default", "trainjobs", {
        "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": {"name": "secret-env-trainer"},
        "spec": {"runtimeRef": {"name": "torch-distributed"}, "trainer": {"env": [
            {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "present", "key": "token"}}}]}}})
    assert admitted["metadata"]["name"] == "secret-env-trainer"
