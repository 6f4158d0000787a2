"""A third-party plugin against the one Kubernetes gate and call pipeline
(issue 24): Tests/CPlugins/gate_hostile.c, one tool per way around them,
loaded by the built binary from a drop-in directory (so in a plugin-host child)
and driven by the official MCP client. The simulator's request log
(`--test-control`) is the witness of what reached the cluster."""
import functools
import json
import time
import urllib.request

import pytest

from conftest import ROOT, compile_c_plugin, plugin_dir
from mcp_client import confirmed_call, run, session
from test_hostile_inputs import ALLOWED, OTHER, TRAINER, Sim

JOBS = f"{TRAINER}/namespaces/{ALLOWED}/trainjobs"


@pytest.fixture
def sim(tmp_path):
    s = Sim(tmp_path)
    for ns, name, owner in ((ALLOWED, "mine", "admin"), (ALLOWED, "theirs", "someone-else"), (OTHER, "victim", "admin")):
        s.http("POST", f"{TRAINER}/namespaces/{ns}/trainjobs", {
            "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
            "metadata": {"name": name, "annotations": {"kubeflow-mcp.kubeflow.org/owner": owner}},
            "spec": {"runtimeRef": {"name": "torch-distributed"}, "suspend": False}})
    s.clear()
    yield s
    s.stop()


@pytest.fixture
def hostile(tmp_path):
    d = plugin_dir(tmp_path, "hostile")
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "gate_hostile.c", d / "libgate_hostile.so")
    return d


def policy(tmp_path, *lines, namespaces=True):
    p = tmp_path / "policy.yaml"
    text = "policy:\n  persona: platform-admin\n"
    if namespaces:
        text += f"  namespaces: [{ALLOWED}]\n"
    p.write_text(text + "".join(f"  {line}\n" for line in lines))
    return p


def serve(sim, hostile, policy_path, *extra):
    return session("--kubeconfig", str(sim.kubeconfig), "--policy", str(policy_path), "--plugins-dir", str(hostile), *extra)


def writes(sim):
    return [(r["method"], r["path"], r["query"]) for r in sim.requests()
            if r["method"] != "GET" and not r["path"].endswith("reviews")]


def job_exists(sim, name, ns=ALLOWED):
    return sim.http("GET", f"{TRAINER}/namespaces/{ns}/trainjobs/{name}")[0] == 200


def suspended(sim, name):
    return sim.http("GET", f"{JOBS}/{name}")[1]["spec"].get("suspend")


def test_header_values_are_a_closed_set(tmp_path, sim, hostile):
    """CR/LF in accept/content_type smuggled a second request (a DELETE in
    another namespace, completed by libcurl's Authorization header) and put
    Impersonate-* ahead of the host's own: refused, naming the field, and
    nothing reaches the cluster."""
    async def body():
        async with serve(sim, hostile, policy(tmp_path)) as s:
            for tool, field in (("smuggle_accept", "accept"), ("smuggle_content_type", "content_type"),
                                ("inject_impersonate", "accept")):
                r = (await s.call_tool(tool, {"namespace": ALLOWED, "name": "mine"})).structured_content
                assert r["status"] == 0 and r["error"]["reason"] == "BadRequest", (tool, r)
                assert r["error"]["field"] == field and f'"{field}" must be one of' in r["error"]["message"], r
    run(body)
    assert [r for r in sim.requests() if "pods" in r["path"] or r["method"] == "DELETE"] == []
    assert job_exists(sim, "mine") and job_exists(sim, "victim", OTHER)


def test_a_nested_call_never_exceeds_the_calling_tools_risk(tmp_path, sim, hostile):
    audit = tmp_path / "audit.log"

    async def body():
        async with serve(sim, hostile, policy(tmp_path), "--audit-log", str(audit)) as s:
            r = (await s.call_tool("nested_escalation", {"namespace": ALLOWED, "name": "mine"})).structured_content
            message = r["error"]["message"]
            assert "nested_escalation is read_only and may not call patch_job, which is mutating" in message, r
            # Called directly, the same mutating tool acts: it is the nesting that is refused.
            direct = (await s.call_tool("patch_job", {"namespace": ALLOWED, "name": "mine"})).structured_content
            assert direct["status"] == 200, direct
    run(body)
    assert writes(sim) == [("PATCH", f"{JOBS}/mine", "")]
    nested = [json.loads(l) for l in audit.read_text().splitlines() if json.loads(l).get("caller") == "nested_escalation"]
    assert nested and nested[0]["tool"] == "patch_job" and nested[0]["result"] == "refused", nested


def test_a_write_needs_a_tool_of_its_risk_whatever_its_category(tmp_path, sim, hostile):
    """A mutating tool filed under "discovery" deleted another user's job with
    no confirmation: a DELETE needs a destructive tool (which the host previews
    and confirms), wherever the plugin files it."""
    async def body():
        async with serve(sim, hostile, policy(tmp_path)) as s:
            r = (await s.call_tool("discovery_delete", {"namespace": ALLOWED, "name": "theirs"})).structured_content
            assert r["status"] == 0 and r["error"]["reason"] == "Denied", r
            assert "declares tool 'discovery_delete' mutating" in r["error"]["message"], r
            assert "needs a tool of risk destructive" in r["error"]["message"], r
    run(body)
    assert writes(sim) == []
    assert job_exists(sim, "theirs")


def test_ownership_holds_for_every_change_under_an_own_objects_policy(tmp_path, sim, hostile):
    """own_jobs_only names the lifecycle category; a mutating tool the plugin
    files under "discovery" is held to it all the same."""
    async def body():
        async with serve(sim, hostile, policy(tmp_path, "own_jobs_only: [category:lifecycle]")) as s:
            theirs = (await s.call_tool("discovery_patch", {"namespace": ALLOWED, "name": "theirs"})).structured_content
            assert theirs["status"] == 0 and "'theirs' was created by someone-else" in theirs["error"]["message"], theirs
            mine = (await s.call_tool("discovery_patch", {"namespace": ALLOWED, "name": "mine"})).structured_content
            assert mine["status"] == 200, mine
    run(body)
    assert writes(sim) == [("PATCH", f"{JOBS}/mine", "")]
    assert suspended(sim, "theirs") is False and suspended(sim, "mine") is True


def test_a_confirmed_run_sends_only_what_its_preview_recorded(tmp_path, sim, hostile):
    """The tool previews "changes nothing", then deletes once confirmed: the
    delete is refused and audited, and the job stays."""
    audit = tmp_path / "audit.log"

    async def body():
        async with serve(sim, hostile, policy(tmp_path), "--audit-log", str(audit)) as s:
            first = await s.call_tool("preview_liar", {"namespace": ALLOWED, "name": "mine"})
            assert first.structured_content["would_send"] == [], first.content[0].text
            r = await confirmed_call(s, "preview_liar", {"namespace": ALLOWED, "name": "mine"})
            answer = r.structured_content
            assert answer["status"] == 0 and answer["error"]["reason"] == "Denied", answer
            assert "which the confirmed preview did not show" in answer["error"]["message"], answer
    run(body)
    assert writes(sim) == []
    assert job_exists(sim, "mine")
    line = [json.loads(l) for l in audit.read_text().splitlines() if '"preview_liar"' in l][-1]
    assert line["result"] == "refused", line
    assert f"DELETE {JOBS}/mine" in line["message"], line


def test_a_plugins_own_dry_run_is_refused(tmp_path, sim, hostile):
    async def body():
        async with serve(sim, hostile, policy(tmp_path)) as s:
            r = (await s.call_tool("own_dry_run", {"namespace": ALLOWED, "name": "mine"})).structured_content
            assert r["status"] == 0 and r["error"]["field"] == "query.dryRun", r
    run(body)
    assert writes(sim) == []


def test_node_proxy_and_namespace_objects_need_the_policy_to_name_them(tmp_path, sim, hostile):
    # No namespace allowlist: the subresource and Namespace rules alone refuse these.
    async def body():
        async with serve(sim, hostile, policy(tmp_path, namespaces=False)) as s:
            proxy = (await s.call_tool("node_proxy", {"name": "gpu-h100-node-1"})).structured_content
            assert proxy["status"] == 0 and "does not allow subresource nodes/gpu-h100-node-1/proxy" in proxy["error"]["message"], proxy
            label = (await s.call_tool("namespace_label", {"namespace": ALLOWED})).structured_content
            assert label["status"] == 0 and "does not let plugins change Namespace objects" in label["error"]["message"], label
    run(body)
    assert [r for r in sim.requests() if "proxy" in r["path"] or r["path"].startswith("/api/v1/namespaces/" + ALLOWED) and
            r["path"].count("/") == 4] == []
    assert writes(sim) == []


def proxied(sim):
    return [(r["method"], r["path"]) for r in sim.requests() if "/proxy" in r["path"]]


def test_a_read_only_tool_reaches_only_the_service_the_policy_names(tmp_path, sim, hostile):
    """The default policy names the registry's Service, not `services/proxy`: a third-party read_only
    tool cannot read another Service's HTTP API through the API server's proxy (in any namespace,
    on any port, nor one whose name merely starts like the registry's); the refusal quotes the entry
    an operator would add. The registry's own Service stays reachable."""
    async def body():
        async with serve(sim, hostile, policy(tmp_path, namespaces=False)) as s:
            for ns, name in ((ALLOWED, "kubernetes-dashboard:443"), ("kube-system", "metrics-server"),
                             ("kubeflow", "model-registry-service-evil:8080"), ("kubeflow", "minio-service:9000")):
                r = (await s.call_tool("service_proxy", {"namespace": ns, "name": name})).structured_content
                service = name.split(":")[0]
                assert r["status"] == 0 and f"does not allow subresource services/{service}/proxy" in r["error"]["message"], r
                assert f"adds services/{service}/proxy under subresources:" in r["error"]["message"], r
            assert proxied(sim) == []
            ok = (await s.call_tool("service_proxy", {"namespace": "kubeflow", "name": "model-registry-service:8080",
                                                      "path": "api/model_registry/v1alpha3/registered_models"})).structured_content
            assert ok["status"] == 200, ok
    run(body)
    assert proxied(sim) == [("GET", "/api/v1/namespaces/kubeflow/services/model-registry-service%3A8080/proxy/api/model_registry/v1alpha3/registered_models")]


def test_an_operator_names_another_service_or_every_one(tmp_path, sim, hostile):
    """`services/NAME/proxy` adds one Service; the plain `services/proxy` form is every Service (wide, on purpose)."""
    async def body(lines, name, reaches):
        sim.clear()
        async with serve(sim, hostile, policy(tmp_path, *lines, namespaces=False)) as s:
            r = (await s.call_tool("service_proxy", {"namespace": "kubeflow", "name": name, "path": "healthz"})).structured_content
            assert ("error" not in r or "does not allow subresource" not in r["error"]["message"]) == reaches, r
        assert bool(proxied(sim)) == reaches
    run(functools.partial(body, ["subresources: [services/my-registry/proxy]"], "my-registry:8080", True))
    run(functools.partial(body, ["subresources: [services/my-registry/proxy]"], "model-registry-service:8080", False))
    run(functools.partial(body, ["subresources: [services/proxy]"], "anything:9090", True))
    run(functools.partial(body, ["subresources: []"], "model-registry-service:8080", False))


HF_TOKEN = "hf_PLANTEDsecretTOKEN1234567890abcdef"


def pod_log(sim, ns, pod):
    with urllib.request.urlopen(f"{sim.url}/api/v1/namespaces/{ns}/pods/{pod}/log", timeout=10) as r:
        return r.read().decode()


def test_a_pod_log_stream_reaches_a_plugin_redacted_line_by_line(tmp_path, sim, hostile):
    """A container prints a credential (its image tag): the lines k8s_stream hands a plugin are
    already redacted, whichever ABI form asked for the log. The plugin answers them hex-encoded,
    past the host's result redaction, so this reads exactly what it was given."""
    job = {"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": {"name": "leaky"},
           "spec": {"runtimeRef": {"name": "torch-distributed"},
                    "trainer": {"image": f"ghcr.io/org/trainer:{HF_TOKEN}", "numNodes": 1}}}
    assert sim.http("POST", f"{TRAINER}/namespaces/{ALLOWED}/trainjobs", job)[0] == 201
    pod, deadline = None, time.monotonic() + 90
    while time.monotonic() < deadline:
        pods = [p["metadata"]["name"] for p in sim.http("GET", f"/api/v1/namespaces/{ALLOWED}/pods")[1].get("items", [])
                if p["metadata"]["name"].startswith("leaky")]
        if pods and HF_TOKEN in pod_log(sim, ALLOWED, pods[0]):
            pod = pods[0]
            break
        time.sleep(0.5)
    assert pod, "the simulator never logged the image line"

    async def body():
        async with serve(sim, hostile, policy(tmp_path)) as s:
            for args in ({"namespace": ALLOWED, "name": pod},
                         {"path": f"/api/v1/namespaces/{ALLOWED}/pods/{pod}/log"}):
                r = (await s.call_tool("stream_log", args)).structured_content
                seen = bytes.fromhex(r["hex"]).decode()
                assert "Image" in seen and "[REDACTED]" in seen and HF_TOKEN not in seen and "PLANTED" not in seen, (args, seen)
    run(body)


def test_a_result_is_bounded_and_an_invalid_one_is_called_invalid(tmp_path, sim, hostile):
    """A 100 MB result took the server to 1.28 GiB; invalid JSON read as a
    crash. Both are refused with a sentence naming the plugin and the tool, and
    the plugin keeps working."""
    async def body():
        async with serve(sim, hostile, policy(tmp_path)) as s:
            huge = await s.call_tool("huge_result", {})
            text = huge.content[0].text
            assert huge.is_error and "Plugin 'gate-hostile'" in text and "tool 'huge_result'" in text, text[:300]
            assert "over the host's limit of" in text and "SIGKILL" not in text, text[:300]
            bad = await s.call_tool("invalid_json", {})
            text = bad.content[0].text
            assert bad.is_error and "returned no valid JSON object for tool 'invalid_json'" in text, text
            assert "crashed" not in text
            again = (await s.call_tool("own_dry_run", {"namespace": ALLOWED, "name": "mine"})).structured_content
            assert again["error"]["field"] == "query.dryRun", again
    run(body)


@pytest.mark.parametrize("tool, why", [
    ("flood_channel", "sent a message over the host's limit of"),
    ("garbage_channel", "sent a message that is not a JSON object"),
])
def test_a_child_that_breaks_its_channel_is_stopped_and_says_why(tmp_path, sim, hostile, tool, why):
    """The parent's reader is the wall for what the plugin writes past the
    plugin-host's own framing: the child is stopped, the call says why."""
    async def body():
        async with serve(sim, hostile, policy(tmp_path)) as s:
            r = await s.call_tool(tool, {})
            text = r.content[0].text
            assert r.is_error and "Plugin 'gate-hostile'" in text and why in text and f"tool '{tool}'" in text, text[:300]
            assert "SIGKILL" not in text, text[:300]
    run(body)
