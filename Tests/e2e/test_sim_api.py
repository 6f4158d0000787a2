"""The simulator's API surface the way real clients use it, each case answered as kube-apiserver
1.32 answers it: kubectl 1.32 (server-side apply, `get jobsets`/`get jobs`, `auth can-i`, field
validation warnings, `explain`) and the Python `kubernetes` client (status codes and messages)."""
import json

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from conftest import StandaloneSim
from test_sim_fidelity import kubectl, wait_for

GROUP, VERSION = "trainer.kubeflow.org", "v1alpha1"


def trainjob(name, extra="", num_nodes=1, suspend=True, team=None):
    labels = f"  labels: {{team: {team}}}\n" if team else ""
    return (f"apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\nmetadata:\n  name: {name}\n{labels}"
            f"spec:\n  runtimeRef: {{name: torch-distributed}}\n  suspend: {str(suspend).lower()}\n"
            f"  trainer:\n    numNodes: {num_nodes}\n{extra}")


@pytest.fixture
def sim(tmp_path):
    s = StandaloneSim(tmp_path, "--time-scale", "300")
    yield s
    s.stop()


@pytest.fixture
def api(sim):
    return client.CustomObjectsApi(config.new_client_from_config(str(sim.kubeconfig)))


def get_json(sim, *args):
    return json.loads(kubectl(sim, "get", *args, "-o", "json", "--show-managed-fields").stdout)


def test_server_side_apply_creates_repeats_and_reports_conflicts(sim):
    first = kubectl(sim, "apply", "--server-side", "-f", "-", stdin=trainjob("ssa", team="a"))
    assert "trainjob.trainer.kubeflow.org/ssa serverside-applied" in first.stdout
    job = get_json(sim, "trainjob", "ssa")
    [entry] = job["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl" and entry["operation"] == "Apply" and entry["fieldsType"] == "FieldsV1"
    assert entry["fieldsV1"]["f:spec"]["f:trainer"] == {"f:numNodes": {}}
    assert entry["fieldsV1"]["f:metadata"] == {"f:labels": {"f:team": {}}}

    again = kubectl(sim, "apply", "--server-side", "-f", "-", stdin=trainjob("ssa", team="a"))
    assert "serverside-applied" in again.stdout
    assert get_json(sim, "trainjob", "ssa")["metadata"]["resourceVersion"] == job["metadata"]["resourceVersion"]

    # Another manager setting a field kubectl owns, to another value: 409, worded like apimachinery.
    conflict = kubectl(sim, "apply", "--server-side", "--field-manager=tuner", "-f", "-",
                       stdin=trainjob("ssa", team="b"), check=False)
    assert conflict.returncode != 0
    assert 'Apply failed with 1 conflict: conflict with "kubectl": .metadata.labels.team' in conflict.stderr
    # The same value is shared ownership, not a conflict; --force-conflicts takes the field over.
    kubectl(sim, "apply", "--server-side", "--field-manager=tuner", "-f", "-", stdin=trainjob("ssa", team="a"))
    kubectl(sim, "apply", "--server-side", "--field-manager=tuner", "--force-conflicts", "-f", "-",
            stdin=trainjob("ssa", team="b"))
    job = get_json(sim, "trainjob", "ssa")
    assert job["metadata"]["labels"] == {"team": "b"}
    owners = {e["manager"]: e["fieldsV1"] for e in job["metadata"]["managedFields"]}
    assert owners["tuner"]["f:metadata"] == {"f:labels": {"f:team": {}}}
    assert "f:metadata" not in owners["kubectl"] and "f:numNodes" in owners["kubectl"]["f:spec"]["f:trainer"]
    # The CRD's own rules still apply: spec.trainer is immutable.
    immutable = kubectl(sim, "apply", "--server-side", "--force-conflicts", "-f", "-", stdin=trainjob("ssa", num_nodes=2),
                        check=False)
    assert "spec.trainer: Invalid value: \"object\": field is immutable" in immutable.stderr


def test_apply_patch_needs_a_field_manager(sim, api):
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "TrainJob", "metadata": {"name": "nofm"},
            "spec": {"runtimeRef": {"name": "torch-distributed"}, "suspend": True}}
    with pytest.raises(ApiException) as e:
        api.api_client.call_api(f"/apis/{GROUP}/{VERSION}/namespaces/default/trainjobs/nofm", "PATCH",
                                body=body, header_params={"Content-Type": "application/apply-patch+yaml"},
                                auth_settings=["BearerToken"])
    assert e.value.status == 422 and "fieldManager: Required value: is required for apply patch" in e.value.body


def test_a_suspended_trainjob_has_suspended_jobs(sim):
    kubectl(sim, "create", "-f", "-", stdin=trainjob("held"))
    wait_for("the job", lambda: "Suspended" in kubectl(sim, "get", "jobs").stdout)
    assert get_json(sim, "jobset", "held")["spec"]["suspend"] is True
    assert not get_json(sim, "pods", "-l", "jobset.sigs.k8s.io/jobset-name=held")["items"]


def test_jobset_and_jobs_own_the_pods(sim):
    kubectl(sim, "create", "-f", "-", stdin=trainjob("owned", num_nodes=2, suspend=False))
    resources = kubectl(sim, "api-resources").stdout
    assert any(line.split()[0] == "jobsets" and "jobset.x-k8s.io/v1alpha2" in line for line in resources.splitlines())
    assert any(line.split()[0] == "jobs" and "batch/v1" in line for line in resources.splitlines())

    pods = wait_for("pods", lambda: get_json(sim, "pods", "-l", "jobset.sigs.k8s.io/jobset-name=owned")["items"])
    train = get_json(sim, "trainjob", "owned")
    jobset = get_json(sim, "jobset", "owned")
    assert jobset["metadata"]["ownerReferences"][0]["uid"] == train["metadata"]["uid"]
    jobs = {j["metadata"]["name"]: j for j in get_json(sim, "jobs")["items"]}
    assert set(jobs) == {"owned-node-0"}
    assert jobs["owned-node-0"]["metadata"]["ownerReferences"][0]["uid"] == jobset["metadata"]["uid"]
    assert jobs["owned-node-0"]["spec"]["completions"] == 2
    for pod in pods:
        [owner] = pod["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["name"], owner["uid"]) == ("Job", "owned-node-0", jobs["owned-node-0"]["metadata"]["uid"])

    assert "owned" in kubectl(sim, "get", "jobsets").stdout
    wait_for("the job to complete", lambda: "Complete" in kubectl(sim, "get", "jobs").stdout, timeout=60)
    table = kubectl(sim, "get", "jobs").stdout
    assert table.split("\n")[0].split()[:4] == ["NAME", "STATUS", "COMPLETIONS", "DURATION"]
    assert "2/2" in table
    assert "Completed" in kubectl(sim, "get", "jobsets").stdout
    kubectl(sim, "delete", "trainjob", "owned")
    wait_for("the children to go", lambda: "No resources found" in kubectl(sim, "get", "jobs,jobsets").stderr)


def test_auth_can_i_answers_per_user(sim):
    """kubectl sends a protobuf SelfSubjectAccessReview; kubectl sends no token over plain HTTP, so
    the other users are reached by impersonation (which the admin may do)."""
    can_i = lambda *a: kubectl(sim, "auth", "can-i", *a, check=False)
    assert can_i("create", "trainjobs").stdout.strip() == "yes"
    denied = can_i("--as=bob", "create", "trainjobs")
    assert denied.stdout.strip() == "no" and denied.returncode == 1
    assert can_i("--as=bob", "list", "trainjobs.trainer.kubeflow.org").stdout.strip() == "yes"
    assert can_i("--as=bob", "get", "jobsets").stdout.strip() == "yes"
    assert can_i("--as=alice", "create", "trainjobs", "-n", "ml-team-dev").stdout.strip() == "yes"
    assert can_i("--as=alice", "create", "trainjobs", "-n", "ml-team-prod").stdout.strip() == "no"
    assert can_i("--as=alice", "get", "pods", "--subresource=log", "-n", "ml-team-dev").stdout.strip() == "yes"


def test_unknown_fields_warn_by_default_and_fail_when_strict(sim, api):
    extra = "    foo: 1\n"
    strict = kubectl(sim, "create", "-f", "-", stdin=trainjob("strict", extra=extra), check=False)
    assert strict.returncode != 0
    assert 'strict decoding error: unknown field "spec.trainer.foo"' in strict.stderr
    warned = kubectl(sim, "create", "--validate=warn", "-f", "-", stdin=trainjob("warned", extra=extra))
    assert 'Warning: unknown field "spec.trainer.foo"' in warned.stderr
    assert "foo" not in get_json(sim, "trainjob", "warned")["spec"]["trainer"]
    ignored = kubectl(sim, "create", "--validate=false", "-f", "-", stdin=trainjob("ignored", extra=extra))
    assert "Warning" not in ignored.stderr
    # A client that sends no fieldValidation gets kube-apiserver's default, Warn.
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "TrainJob", "metadata": {"name": "py"},
            "spec": {"runtimeRef": {"name": "torch-distributed"}, "suspend": True, "bar": True}}
    _, status, headers = api.create_namespaced_custom_object_with_http_info(GROUP, VERSION, "default", "trainjobs", body)
    assert status == 201 and headers["Warning"] == '299 - "unknown field \\"spec.bar\\""'


def test_duplicate_list_map_keys_are_invalid(sim, api):
    env = "    env:\n    - {name: A, value: '1'}\n    - {name: B, value: '2'}\n    - {name: A, value: '3'}\n"
    dup = kubectl(sim, "create", "-f", "-", stdin=trainjob("dup", extra=env), check=False)
    assert dup.returncode != 0
    assert 'spec.trainer.env[2]: Duplicate value: map[string]interface {}{"name":"A"}' in dup.stderr
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "TrainJob", "metadata": {"name": "dup"},
            "spec": {"runtimeRef": {"name": "torch-distributed"},
                     "trainer": {"env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}}}
    with pytest.raises(ApiException) as e:
        api.create_namespaced_custom_object(GROUP, VERSION, "default", "trainjobs", body)
    status = json.loads(e.value.body)
    assert e.value.status == 422 and status["reason"] == "Invalid"
    assert status["message"] == ('TrainJob.trainer.kubeflow.org "dup" is invalid: spec.trainer.env[1]: '
                                 'Duplicate value: map[string]interface {}{"name":"A"}')
    assert status["details"]["causes"] == [{"reason": "FieldValueDuplicate", "field": "spec.trainer.env[1]",
                                            "message": 'Duplicate value: map[string]interface {}{"name":"A"}'}]
    patches = ("  runtimePatches:\n  - manager: a.example.com/x\n  - manager: a.example.com/x\n")
    dup = kubectl(sim, "create", "-f", "-", stdin=trainjob("dup2", extra=patches), check=False)
    assert 'spec.runtimePatches[1]: Duplicate value: map[string]interface {}{"manager":"a.example.com/x"}' in dup.stderr
    containers = ("  runtimePatches:\n  - manager: a.example.com/x\n    trainingRuntimeSpec:\n      template:\n"
                  "        spec:\n          replicatedJobs:\n          - name: node\n            template:\n"
                  "              spec:\n                template:\n                  spec:\n"
                  "                    containers: [{name: node}, {name: node}]\n")
    dup = kubectl(sim, "create", "-f", "-", stdin=trainjob("dup3", extra=containers), check=False)
    assert ("spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec"
            '.containers[1]: Duplicate value: map[string]interface {}{"name":"node"}') in dup.stderr


def test_strategic_merge_patch_on_custom_resources_is_415(sim):
    kubectl(sim, "create", "-f", "-", stdin=trainjob("smp"))
    smp = kubectl(sim, "patch", "trainjob", "smp", "-p", '{"spec":{"suspend":false}}', check=False)
    assert smp.returncode != 0
    assert ("the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml") in smp.stderr
    kubectl(sim, "patch", "trainjob", "smp", "--type=merge", "-p", '{"metadata":{"labels":{"a":"b"}}}')
    # Built-in kinds keep strategic merge.
    kubectl(sim, "create", "configmap", "cm", "--from-literal=k=v")
    kubectl(sim, "patch", "configmap", "cm", "-p", '{"data":{"k":"w"}}')


def test_unsupported_field_selectors_are_400(sim):
    cr = kubectl(sim, "get", "trainjobs", "--field-selector", "spec.suspend=true", check=False)
    assert cr.returncode != 0 and "field label not supported: spec.suspend" in cr.stderr
    pods = kubectl(sim, "get", "pods", "--field-selector", "spec.foo=x", check=False)
    assert "field label not supported: spec.foo" in pods.stderr
    deploy = kubectl(sim, "get", "deployments", "--field-selector", "foo.bar=baz", check=False)
    assert '"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"' in deploy.stderr
    kubectl(sim, "get", "pods", "-A", "--field-selector", "status.phase=Running,spec.nodeName=x")
    kubectl(sim, "get", "trainjobs", "--field-selector", "metadata.name=x")


def test_explain_prints_the_crd_descriptions(sim):
    out = kubectl(sim, "explain", "trainjob.spec").stdout
    assert "GROUP:      trainer.kubeflow.org\nKIND:       TrainJob\nVERSION:    v1alpha1" in out
    assert "spec of the TrainJob." in out
    assert "runtimeRef\t<Object> -required-" in out
    deep = kubectl(sim, "explain", "trainjob.spec.trainer.numNodes").stdout
    assert "numNodes is the number of training nodes." in deep


REPORTING = ("  trainer:\n    command: [bash, -c, 'python -c \"from kubeflow.trainer import update_trainjob_status; "
             "update_trainjob_status(progress_percent=50)\"']\n")


@pytest.mark.parametrize("gate", [False, True])
def test_trainer_status_only_with_the_feature_gate_and_a_reporting_trainer(tmp_path, gate):
    seed = tmp_path / "seed.yaml"
    seed.write_text(f"featureGates: {{TrainJobStatus: {str(gate).lower()}}}\n")
    sim = StandaloneSim(tmp_path, "--time-scale", "300", "--seed", str(seed))
    try:
        for name, spec in [("reports", REPORTING), ("silent", "  trainer: {image: ghcr.io/myorg/trainer:v1}\n")]:
            kubectl(sim, "create", "-f", "-", stdin=(
                f"apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\nmetadata: {{name: {name}}}\n"
                f"spec:\n  runtimeRef: {{name: torch-distributed}}\n{spec}"))
        for name in ["reports", "silent"]:
            wait_for(name, lambda: "Complete" in kubectl(sim, "get", "trainjob", name).stdout, timeout=60)
        assert ("trainerStatus" in get_json(sim, "trainjob", "reports")["status"]) == gate
        assert "trainerStatus" not in get_json(sim, "trainjob", "silent")["status"]
    finally:
        sim.stop()
