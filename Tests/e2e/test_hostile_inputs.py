"""Every argument is hostile (issue #10): traversals and look-alikes in every
argument that names a Kubernetes object or namespace, raw paths from a plugin
that claims to only read, ownership that cannot be checked, and a create whose
answer is lost. Through the built binary, against `kubeflow-mcp sim` in its own
process, whose request log (`--test-control`) is the witness of what reached
the cluster. Many values go through one server process to stay fast."""
import json
import urllib.request

import pytest

from conftest import StandaloneSim, run_cli
from mcp_client import confirmed_call, run, session

ALLOWED = "ml-team-dev"
OTHER = "ml-team-prod"
TRAINER = "/apis/trainer.kubeflow.org/v1alpha1"

HOSTILE = [
    "..", ".", "../../ml-team-prod/trainjobs/victim", "ml-team-dev/../ml-team-prod",
    "../../../../../../api/v1/namespaces/ml-team-prod/secrets/prod-secret",
    "%2e%2e", "%2e%2e%2fml-team-prod", "victim%2F", "victim%2f..", "seed-job#x", "x?dryRun=All", "x;y",
    "victim/", "/victim", "", " ", "victim ", "\tvictim", "vict\nim", "victim\n", "a..b", "-victim",
    "VICTIM", "vіctim",  # Cyrillic і
    "ｖｉｃｔｉｍ",  # full-width
    "victim\u200b",  # zero-width space
    "a" * 254,
]

# Values for the other required arguments, so only the hostile one is wrong.
REQUIRED = {
    "model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca", "image": "busybox:1.36",
    "func": "def train():\n    print('hi')\n", "token": "hf_" + "x" * 34,
    "manifest": {"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainingRuntime",
                 "metadata": {"name": "rt", "labels": {"trainer.kubeflow.org/framework": "torch"}},
                 "spec": {"template": {"spec": {"replicatedJobs": [{"name": "node"}]}}}},
}


class Sim(StandaloneSim):
    """The standalone simulator with its test control."""

    def __init__(self, tmp_path):
        super().__init__(tmp_path, "--test-control")

    def http(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def requests(self):
        return self.http("GET", "/_sim/requests")[1]["items"]

    def clear(self):
        self.http("DELETE", "/_sim/requests")

    def fault(self, **spec):
        assert self.http("POST", "/_sim/faults", spec)[0] == 201


@pytest.fixture
def sim(tmp_path):
    s = Sim(tmp_path)
    for ns in (ALLOWED, OTHER):
        s.http("POST", f"{TRAINER}/namespaces/{ns}/trainjobs", {
            "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
            "metadata": {"name": "victim" if ns == OTHER else "seed-job",
                         "annotations": {"kubeflow-mcp.kubeflow.org/owner": "admin"}},
            "spec": {"runtimeRef": {"name": "torch-distributed"}, "suspend": True}})
    s.http("POST", f"/api/v1/namespaces/{OTHER}/secrets",
           {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "prod-secret"}, "stringData": {"k": "v"}})
    s.clear()
    yield s
    s.stop()


def policy_file(tmp_path, *lines):
    p = tmp_path / "policy.yaml"
    p.write_text("policy:\n  persona: platform-admin\n  namespaces: [%s]\n%s" % (ALLOWED, "".join(l + "\n" for l in lines)))
    return p


NAME_ARGUMENTS = {"job_id", "namespace", "name", "runtime", "secret_name", "hf_token_secret"}


def name_arguments():
    """Every (tool, argument) whose schema says it names a Kubernetes object or
    namespace; an argument called like a name must say so."""
    out = []
    for tool in json.loads(run_cli("tools", "list", "--json").stdout):
        schema = tool["input_schema"]
        for arg, prop in (schema.get("properties") or {}).items():
            if "pattern" in prop:
                out.append((tool["name"], arg, schema.get("required", [])))
            else:
                assert arg not in NAME_ARGUMENTS, f"{tool['name']}.{arg} names an object but has no name pattern"
    return out


def assert_nothing_escaped(sim):
    for r in sim.requests():
        assert OTHER not in r["path"], r
        assert r["method"] in ("GET",) or r["path"].endswith("reviews"), f"a write reached the cluster: {r}"
    # The objects the attacks aimed at are untouched.
    assert sim.http("GET", f"{TRAINER}/namespaces/{OTHER}/trainjobs/victim")[0] == 200
    assert sim.http("GET", f"{TRAINER}/namespaces/{ALLOWED}/trainjobs/seed-job")[0] == 200
    assert sim.http("GET", f"/api/v1/namespaces/{OTHER}/secrets/prod-secret")[0] == 200


def test_every_name_argument_refuses_every_hostile_value(tmp_path, sim):
    targets = name_arguments()
    covered = {arg for _, arg, _ in targets}
    # The arguments the issue's attacks used are all among them.
    assert NAME_ARGUMENTS <= covered, covered
    assert {t for t, _, _ in targets} >= {"delete_job", "get_runtime_spec", "delete_training_runtime",
                                          "setup_hf_credentials", "list_training_jobs", "get_job_spec"}

    async def body():
        async with session("--kubeconfig", str(sim.kubeconfig), "--policy", str(policy_file(tmp_path))) as s:
            failures = []
            for tool, arg, required in targets:
                base = {k: REQUIRED[k] for k in required if k in REQUIRED}
                for k in required:
                    base.setdefault(k, "seed-job")  # other required names: valid
                for value in HOSTILE:
                    r = await s.call_tool(tool, {**base, arg: value})
                    text = r.content[0].text
                    if not r.is_error or f"'{arg}'" not in text:
                        failures.append((tool, arg, value, text[:200]))
            assert not failures, f"{len(failures)} hostile values not refused by argument name: {failures[:5]}"
    run(body)
    assert_nothing_escaped(sim)


# Raw ABI requests from a plugin that says it only reads: refused at the host,
# naming the request field, whatever the tool's schema (it has none).
RAW_ATTACKS = [
    {"method": "DELETE", "path": f"{TRAINER}/namespaces/{ALLOWED}/trainjobs/../../{OTHER}/trainjobs/victim"},
    {"method": "DELETE", "path": f"/apis/authorization.k8s.io/../../apis/trainer.kubeflow.org/v1alpha1/namespaces/{OTHER}/trainjobs/victim"},
    {"method": "DELETE", "path": f"{TRAINER}/namespaces/{ALLOWED}/trainjobs/"},
    {"method": "DELETE", "path": f"{TRAINER}/namespaces/{ALLOWED}/trainjobs"},
    {"method": "DELETE", "path": f"{TRAINER}/namespaces/{ALLOWED}/trainjobs/seed-job#x"},
    {"method": "DELETE", "path": f"{TRAINER}/namespaces/{ALLOWED}/trainjobs/x?dryRun=All"},
    {"method": "DELETE", "path": f"{TRAINER}/namespaces/{ALLOWED}/trainjobs/%2e%2e%2f%2e%2e%2f{OTHER}%2ftrainjobs%2fvictim"},
    {"method": "GET", "path": f"/api/v1/namespaces/{ALLOWED}/../{OTHER}/secrets/prod-secret"},
    {"method": "GET", "path": f"/api/v1/namespaces/{ALLOWED}//secrets"},
    {"method": "GET", "path": f"/api/v1/namespaces/{ALLOWED}/./secrets"},
    {"method": "GET", "path": "/api/v1/secrets"},
    {"method": "GET", "path": f"{TRAINER}/trainjobs"},
    {"method": "GET", "path": "/api/v1/pods"},
    {"method": "GET", "path": f"/api/v1/namespaces/{OTHER}/secrets/prod-secret"},
    {"method": "GET", "path": f"/api/v1/namespaces/{OTHER}"},
    {"method": "POST", "path": f"/api/v1/namespaces/{ALLOWED}/configmaps",
     "body": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "sneaky"}}},
    {"method": "PATCH", "path": f"{TRAINER}/namespaces/{ALLOWED}/trainjobs/seed-job", "body": {"spec": {"suspend": False}}},
    {"verb": "delete", "group": "trainer.kubeflow.org", "version": "v1alpha1", "resource": "trainjobs",
     "namespace": ALLOWED, "name": f"../../{OTHER}/trainjobs/victim"},
    {"verb": "delete", "group": "trainer.kubeflow.org", "version": "v1alpha1", "resource": "trainjobs",
     "namespace": f"{ALLOWED}/../{OTHER}", "name": "victim"},
    {"verb": "delete", "group": "trainer.kubeflow.org", "version": "v1alpha1", "resource": "trainjobs",
     "namespace": ALLOWED, "name": ""},
    {"verb": "deletecollection", "group": "trainer.kubeflow.org", "version": "v1alpha1", "resource": "trainjobs",
     "namespace": ALLOWED},
    {"verb": "delete", "group": "trainer.kubeflow.org", "version": "v1alpha1", "resource": "trainjobs",
     "namespace": ALLOWED, "name": "seed-job"},
    {"verb": "list", "version": "v1", "resource": "secrets"},
    {"verb": "get", "version": "v1", "resource": "secrets", "namespace": OTHER, "name": "prod-secret"},
    {"verb": "list", "version": "v1", "resource": "pods", "namespace": ALLOWED, "query": {"watch": "true"}},
]


def test_a_plugin_cannot_send_what_a_tool_argument_cannot(tmp_path, sim, probe_plugin):
    async def body():
        async with session("--kubeconfig", str(sim.kubeconfig), "--policy", str(policy_file(tmp_path)),
                           "--plugins-dir", str(probe_plugin)) as s:
            ok = await s.call_tool("k8s_probe", {"verb": "list", "version": "v1", "resource": "pods", "namespace": ALLOWED})
            assert ok.structured_content["status"] == 200, ok.content[0].text
            nodes = await s.call_tool("k8s_probe", {"method": "GET", "path": "/api/v1/nodes"})
            assert nodes.structured_content["status"] == 200
            for attack in RAW_ATTACKS:
                r = (await s.call_tool("k8s_probe", attack)).structured_content
                assert r["status"] == 0, (attack, r)
                error = r["error"]
                assert error["reason"] in ("BadRequest", "Denied"), (attack, error)
                if error["reason"] == "BadRequest":
                    assert error["field"] in attack or error["field"].split(".")[0] in attack, (attack, error)
                    assert f"\"{error['field']}\"" in error["message"], error
                else:
                    assert "k8s-probe" in error["message"] or OTHER in error["message"] or ALLOWED in error["message"], error
    run(body)
    assert_nothing_escaped(sim)
    seen = [(r["method"], r["path"]) for r in sim.requests()]
    assert ("GET", f"/api/v1/namespaces/{ALLOWED}/pods") in seen and ("GET", "/api/v1/nodes") in seen


@pytest.mark.parametrize("status", [403, 503])
def test_ownership_that_cannot_be_read_blocks_the_change(tmp_path, sim, status):
    policy = policy_file(tmp_path, "  own_jobs_only: [category:lifecycle]")
    job = f"{TRAINER}/namespaces/{ALLOWED}/trainjobs/seed-job"

    async def body():
        async with session("--kubeconfig", str(sim.kubeconfig), "--policy", str(policy)) as s:
            # resume_job reads the job itself first: that read passes, the host's ownership read fails.
            for tool, skip in (("delete_job", 0), ("resume_job", 1)):
                # (The host retries a GET after a 5xx: the fault lasts through the retries.)
                sim.fault(method="GET", path=job, status=status, skip=skip, count=5)
                # The preview's dry run is refused already: nothing to confirm.
                r = await s.call_tool(tool, {"job_id": "seed-job", "namespace": ALLOWED})
                sim.http("DELETE", "/_sim/faults")
                assert r.is_error, r.content[0].text
                assert "nothing was changed" in r.content[0].text, r.content[0].text
            writes = [q for q in sim.requests() if q["method"] != "GET" and not q["path"].endswith("reviews")]
            assert writes == []
            assert sim.http("GET", job)[0] == 200
            # Readable again: the owner (admin) may delete it.
            r = await confirmed_call(s, "delete_job", {"job_id": "seed-job", "namespace": ALLOWED})
            assert not r.is_error, r.content[0].text
    run(body)


@pytest.mark.parametrize("fault, created", [
    ({"after": "drop"}, True),                   # stored, then the connection cut mid-answer
    ({"status": 500, "after": "serve"}, True),   # stored, then a 500
    ({"status": 500}, False),                    # a 500 and nothing stored
])
def test_a_create_whose_outcome_is_unknown_is_sent_once_and_read_back(tmp_path, sim, fault, created):
    collection = f"{TRAINER}/namespaces/{ALLOWED}/trainjobs"
    audit = tmp_path / "audit.log"

    async def body():
        async with session("--kubeconfig", str(sim.kubeconfig), "--policy", str(policy_file(tmp_path)),
                           "--audit-log", str(audit)) as s:
            # Past the two dry runs (the preview's, and the confirmation's check of the plan): the real POST.
            sim.fault(method="POST", path=collection, skip=2, **fault)
            r = await confirmed_call(s, "run_container_job", {"image": "busybox:1.36", "name": "one-post",
                                                              "namespace": ALLOWED})
            text = r.content[0].text
            if created:
                assert not r.is_error, text
                assert "Created TrainJob one-post" in text
            else:
                assert r.is_error and "does not exist, so trying again is safe" in text, text
    run(body)
    log = sim.requests()
    posts = [i for i, q in enumerate(log)
             if q["method"] == "POST" and q["path"] == collection and "dryRun" not in q["query"]]
    assert len(posts) == 1, log
    # The answer was lost or a 5xx, so the tool read the job back by name to learn whether it exists.
    assert (log[posts[0] + 1]["method"], log[posts[0] + 1]["path"]) == ("GET", f"{collection}/one-post"), log
    assert sim.http("GET", f"{collection}/one-post")[0] == (200 if created else 404)
    line = [json.loads(l) for l in audit.read_text().splitlines() if '"run_container_job"' in l][-1]
    assert line["namespace"] == ALLOWED
